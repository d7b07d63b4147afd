-- Distress escalation: cases, the member's words that opened or joined them, server phrases,
-- and paging settings. Plus the server-wide retention period other features reuse.

-- How long private words (a case's message text, notes) are kept after the matter is closed.
ALTER TABLE guild_settings ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 90;

CREATE TABLE escalation_settings (
    guild_id                 INTEGER PRIMARY KEY,
    page_after_seconds       INTEGER NOT NULL DEFAULT 300,  -- unclaimed: ping the moderator role
    admin_page_after_seconds INTEGER NOT NULL DEFAULT 600,  -- still unclaimed: ping the admins
    updated_at               INTEGER NOT NULL,
    updated_by               INTEGER
);

CREATE TABLE escalation_cases (
    id                   INTEGER PRIMARY KEY,
    guild_id             INTEGER NOT NULL,
    user_id              INTEGER NOT NULL,                -- the member the case is about
    source               TEXT    NOT NULL
                         CHECK (source IN ('message', 'dm', 'support', 'contact')),
    channel_id           INTEGER,                         -- where it started (NULL: DM, button)
    parent_channel_id    INTEGER,                         -- a thread's parent channel
    category             TEXT    NOT NULL,
    severity             INTEGER NOT NULL,                -- 1 low .. 4 critical
    status               TEXT    NOT NULL DEFAULT 'open'
                         CHECK (status IN ('open', 'claimed', 'resolved', 'false_alarm')),
    created_at           INTEGER NOT NULL,
    claimed_at           INTEGER,
    claimed_by           INTEGER,
    closed_at            INTEGER,
    closed_by            INTEGER,
    note                 TEXT,                            -- the closing moderator's note
    page_level           INTEGER NOT NULL DEFAULT 0,      -- 0 none, 1 moderators, 2 admins
    next_page_at         INTEGER,                         -- NULL: no page pending
    contact_requested_at INTEGER,                         -- the member asked to be contacted
    alert_channel_id     INTEGER,                         -- where the alert went (NULL: nowhere)
    alert_outbox_id      INTEGER,
    alert_message_id     INTEGER,                         -- learnt once the alert is sent
    resources_outbox_id  INTEGER,
    resources_via        TEXT    NOT NULL DEFAULT 'dm'
                         CHECK (resources_via IN ('dm', 'thread_pending', 'thread',
                                                  'undeliverable', 'not_needed')),
    fallback_thread_id   INTEGER,                         -- private thread when DMs are closed
    text_purged_at       INTEGER,                         -- message text and note removed
    alert_redacted       INTEGER NOT NULL DEFAULT 0       -- 1: the alert no longer shows text
);

-- One open case per member and server: follow-ups join it.
CREATE UNIQUE INDEX escalation_cases_one_open
    ON escalation_cases (guild_id, user_id) WHERE status IN ('open', 'claimed');
CREATE INDEX escalation_cases_pages ON escalation_cases (status, next_page_at);
CREATE INDEX escalation_cases_purge ON escalation_cases (text_purged_at, closed_at);

-- The member's words in a case: the message that opened it and the follow-ups that joined it.
CREATE TABLE escalation_case_messages (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES escalation_cases (id) ON DELETE CASCADE,
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER,                                   -- NULL for words typed into /support
    message_id INTEGER,
    source     TEXT    NOT NULL CHECK (source IN ('message', 'edit', 'dm', 'support')),
    text       TEXT,                                      -- NULL once purged
    category   TEXT    NOT NULL,
    severity   INTEGER NOT NULL,
    modifiers  TEXT    NOT NULL DEFAULT '',               -- e.g. 'negated,past'
    created_at INTEGER NOT NULL,
    UNIQUE (guild_id, message_id)
);

CREATE INDEX escalation_case_messages_case ON escalation_case_messages (case_id);

-- Phrases a server's moderators added to the shipped lexicon.
CREATE TABLE escalation_phrases (
    guild_id   INTEGER NOT NULL,
    phrase     TEXT    NOT NULL,                          -- as the moderator typed it
    phrase_key TEXT    NOT NULL,                          -- normalised, as the detector matches
    category   TEXT    NOT NULL,
    severity   INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    created_by INTEGER NOT NULL,
    PRIMARY KEY (guild_id, phrase_key)
);
