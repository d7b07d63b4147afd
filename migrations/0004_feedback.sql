-- Anonymous feedback: polls and free-text feedback that no one can trace, not even the database.
--
-- Nothing here pairs a member with a choice or a text. A poll keeps per-option counters and,
-- separately, a roll of voter tokens: HMAC-SHA256(ANON_SECRET, poll id + member id), written
-- (in key order) for every member who may vote when the poll opens or when they join. A vote
-- flips its token's `voted` flag in place and adds one to a counter, in one transaction, so no
-- row, timestamp or insertion order says who voted when, or for what. Free-text feedback is
-- stored without an author under a random key until it is delivered in a batch. The daily
-- limit counts per-day tokens, not people. ANON_SECRET itself is never stored.

-- Per-server settings of the feature (moderators change them with /poll settings).
CREATE TABLE feedback_settings (
    guild_id   INTEGER PRIMARY KEY,
    min_voters INTEGER NOT NULL CHECK (min_voters >= 1), -- k: results only from k voters on
    updated_at INTEGER NOT NULL,
    updated_by INTEGER NOT NULL
);

CREATE TABLE polls (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,                 -- where the poll and its results are posted
    message_id INTEGER,                          -- the poll message, once posted
    group_id   INTEGER,                          -- NULL: everyone may vote, else that group's members
    question   TEXT    NOT NULL,
    min_voters INTEGER NOT NULL,                 -- k as it was when the poll opened
    voters     INTEGER NOT NULL DEFAULT 0,       -- how many have voted (shown while open)
    status     TEXT    NOT NULL DEFAULT 'posting'
               CHECK (status IN ('posting', 'open', 'closed')),
    closes_at  INTEGER NOT NULL,
    created_by INTEGER NOT NULL,                 -- may close it early (with the moderators)
    created_at INTEGER NOT NULL,
    closed_at  INTEGER,
    closed_by  INTEGER                           -- NULL when it closed at its time
);

CREATE INDEX polls_by_status ON polls (status, closes_at);
CREATE INDEX polls_by_guild ON polls (guild_id, status);

-- One counter per option: the only place a choice is recorded.
CREATE TABLE poll_options (
    poll_id  INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,                   -- 1..10, as on the buttons
    label    TEXT    NOT NULL,
    votes    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (poll_id, position)
) WITHOUT ROWID;

-- The roll: who may still vote, as tokens. Deleted when the poll closes.
CREATE TABLE poll_voters (
    token   BLOB    NOT NULL PRIMARY KEY,        -- HMAC-SHA256(ANON_SECRET, poll id + member id)
    poll_id INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    voted   INTEGER NOT NULL DEFAULT 0 CHECK (voted IN (0, 1))
) WITHOUT ROWID;

CREATE INDEX poll_voters_by_poll ON poll_voters (poll_id);

-- Free-text feedback waiting for its batch. No author, no time, and the key is random.
CREATE TABLE feedback_items (
    id       BLOB    NOT NULL PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    group_id INTEGER,                            -- NULL: to the moderators, else to that group's leaders
    body     TEXT    NOT NULL
) WITHOUT ROWID;

-- The daily limit: how many a token sent today, never what.
CREATE TABLE feedback_quota (
    token BLOB    NOT NULL PRIMARY KEY,          -- HMAC-SHA256(ANON_SECRET, server + member + UTC day)
    day   INTEGER NOT NULL,                      -- UTC day number, earlier days are purged
    used  INTEGER NOT NULL
) WITHOUT ROWID;
