-- Confidentiality: versioned agreements (the server's, and a stricter one per group), who
-- accepted which version for which group, and the records behind reminders.

-- One row per version. group_id NULL: the server's agreement; else the group's stricter text,
-- shown in addition to the server's. body NULL: the default text that ships with the bot (in
-- the server's language), so protection is on from the first minute.
CREATE TABLE confidentiality_texts (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    group_id       INTEGER REFERENCES groups (id) ON DELETE CASCADE,
    version        INTEGER NOT NULL,
    body           TEXT,
    created_at     INTEGER NOT NULL,
    created_by     INTEGER,                       -- NULL for the default
    grace_ends_at  INTEGER,                       -- members who have not accepted lose access then
    enforced_at    INTEGER                        -- when the grace period was enforced (once)
);

CREATE UNIQUE INDEX confidentiality_texts_version
    ON confidentiality_texts (guild_id, COALESCE(group_id, 0), version);

-- Kept while the member stays in the server; deleted after the server's retention period once
-- they have left (see confidentiality_departures).
CREATE TABLE confidentiality_acceptances (
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    group_id    INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    text_id     INTEGER NOT NULL REFERENCES confidentiality_texts (id) ON DELETE CASCADE,
    accepted_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, group_id, text_id)
);

CREATE INDEX confidentiality_acceptances_member
    ON confidentiality_acceptances (guild_id, user_id);

-- The first time a member posted in a group's channel (they got a private reminder then).
CREATE TABLE confidentiality_first_posts (
    guild_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    group_id  INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    posted_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
);

-- Sessions whose start got a reminder in the group's channel (once per occurrence).
CREATE TABLE confidentiality_session_reminders (
    group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    occurrence TEXT    NOT NULL,
    sent_at    INTEGER NOT NULL,
    PRIMARY KEY (group_id, occurrence)
);

-- Members who left the server: their records are deleted after the retention period, unless
-- they come back first.
CREATE TABLE confidentiality_departures (
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    left_at  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

CREATE TABLE confidentiality_settings (
    guild_id   INTEGER PRIMARY KEY,
    grace_days INTEGER NOT NULL DEFAULT 7,
    updated_at INTEGER NOT NULL,
    updated_by INTEGER
);
