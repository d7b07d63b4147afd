-- Distress escalation (issue 17): messages posted while the bot was away, and a crisis DM that
-- goes to one community.

-- Catch-up: per channel (or thread, or DM channel with the bot) the newest message the bot has
-- read, updated in batches as messages arrive; at start and after a gateway session that could
-- not be resumed, the bot reads each channel's history after it (bounded) and scans what it
-- missed.
CREATE TABLE escalation_seen_channels (
    channel_id      INTEGER PRIMARY KEY,
    guild_id        INTEGER,                           -- NULL: a DM channel with the bot
    last_message_id INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX escalation_seen_channels_guild ON escalation_seen_channels (guild_id, updated_at);

-- Per server, the last moment the bot was known to be reading it ("offline from X").
CREATE TABLE escalation_seen_guilds (
    guild_id INTEGER PRIMARY KEY,
    alive_at INTEGER NOT NULL
);

-- Words read by the catch-up: when they were posted (NULL: read as they arrived). The alert
-- says "posted while the bot was offline, at <time>".
ALTER TABLE escalation_case_messages ADD COLUMN posted_at INTEGER;

-- When each member last wrote in each server (noted in memory, written in batches): a crisis DM
-- from a member of several servers goes to the last one when they do not choose, and a former
-- member gets the helplines of their last server's region. Deleted with the member's data.
CREATE TABLE escalation_member_activity (
    guild_id       INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    last_active_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
CREATE INDEX escalation_member_activity_user ON escalation_member_activity (user_id);

-- A crisis DM from a member of several servers: they are asked which community to tell; after
-- `due_at` the one they were last active in (`fallback_guild_id`) is told. `chosen_guild_id` is
-- written before the case is opened there, so a restart in between finishes the same choice.
CREATE TABLE escalation_dm_routes (
    id                  INTEGER PRIMARY KEY,
    user_id             INTEGER NOT NULL,
    guild_ids           TEXT    NOT NULL,              -- the servers offered, e.g. '12,34'
    fallback_guild_id   INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    due_at              INTEGER NOT NULL,
    chosen_guild_id     INTEGER,
    chosen_by           TEXT CHECK (chosen_by IN ('member', 'timeout')),
    settled_at          INTEGER,
    question_message_id INTEGER                        -- the DM with the buttons, once sent
);
CREATE UNIQUE INDEX escalation_dm_routes_one_pending
    ON escalation_dm_routes (user_id) WHERE settled_at IS NULL;
CREATE INDEX escalation_dm_routes_due ON escalation_dm_routes (settled_at, due_at);

-- The member's words waiting for their route (deleted once the case is opened with them).
CREATE TABLE escalation_dm_route_words (
    id         INTEGER PRIMARY KEY,
    route_id   INTEGER NOT NULL REFERENCES escalation_dm_routes (id) ON DELETE CASCADE,
    channel_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    text       TEXT    NOT NULL,
    category   TEXT    NOT NULL,
    severity   INTEGER NOT NULL,
    modifiers  TEXT    NOT NULL DEFAULT '',
    level      TEXT,
    cue        TEXT,
    forwarded  INTEGER NOT NULL DEFAULT 0,
    posted_at  INTEGER,                                -- read by the catch-up: when posted
    created_at INTEGER NOT NULL,
    UNIQUE (route_id, message_id)
);
