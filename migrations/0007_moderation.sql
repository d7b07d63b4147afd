-- Moderation and guidelines: the mod log (core, bot/modlog.py), reports, warnings, versioned
-- guidelines and their reminders (cogs/moderation).

-- The last case number handed out per server. An upsert with RETURNING gives the next number
-- without a race, in SQLite (BEGIN IMMEDIATE) as in PostgreSQL (row lock).
CREATE TABLE mod_log_counters (
    guild_id  INTEGER PRIMARY KEY,
    last_case INTEGER NOT NULL
);

-- Every moderation action, append-only: the code has no UPDATE or DELETE path for it, and the
-- triggers below refuse both. Reasons are written by moderators and leaders; no member's
-- message text is ever stored here (report snapshots live in `reports`, and are deleted).
CREATE TABLE mod_log (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    case_number INTEGER NOT NULL,
    action      TEXT    NOT NULL,                   -- warn, timeout, report_resolved, ...
    actor_id    INTEGER NOT NULL,                   -- 0: the bot itself
    target_id   INTEGER,                            -- the member acted on, if any
    group_id    INTEGER,                            -- the group concerned, if any
    reason      TEXT,
    details     TEXT    NOT NULL DEFAULT '{}',      -- JSON object of short strings and ints
    created_at  INTEGER NOT NULL,
    UNIQUE (guild_id, case_number)
);

CREATE INDEX mod_log_by_target ON mod_log (guild_id, target_id, case_number);

-- SQLite trigger syntax; a PostgreSQL backend needs the same two rules as a plpgsql trigger.
CREATE TRIGGER mod_log_no_update BEFORE UPDATE ON mod_log
BEGIN
    SELECT RAISE(ABORT, 'mod_log is append-only');
END;

CREATE TRIGGER mod_log_no_delete BEFORE DELETE ON mod_log
BEGIN
    SELECT RAISE(ABORT, 'mod_log is append-only');
END;

-- A message a member reported. `snapshot` (the reported text) and `reason` (the reporter's
-- words) are set to NULL `retention_days` after the report is closed; open reports keep them.
CREATE TABLE reports (
    id                 INTEGER PRIMARY KEY,
    guild_id           INTEGER NOT NULL,
    case_number        INTEGER NOT NULL,            -- the mod-log case that opened it
    reporter_id        INTEGER NOT NULL,
    author_id          INTEGER NOT NULL,            -- who wrote the reported message
    channel_id         INTEGER NOT NULL,
    message_id         INTEGER NOT NULL,
    snapshot           TEXT,                        -- NULL once purged
    reason             TEXT,                        -- NULL if none given, or once purged
    status             TEXT    NOT NULL DEFAULT 'open'
                       CHECK (status IN ('open', 'resolved', 'dismissed')),
    claimed_by         INTEGER,
    closed_by          INTEGER,
    closed_at          INTEGER,
    purged_at          INTEGER,
    alert_outbox_id    INTEGER,                     -- the outbox row of the moderators' post
    alert_channel_id   INTEGER,
    alert_message_id   INTEGER,                     -- learnt once posted (to edit it)
    created_at         INTEGER NOT NULL
);

CREATE INDEX reports_by_message ON reports (guild_id, message_id, status);
CREATE INDEX reports_to_purge ON reports (status, closed_at);

CREATE TABLE warnings (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    group_id      INTEGER,                          -- the group the leader warned in, if any
    guideline_id  INTEGER,                          -- the guidelines version it refers to
    reason        TEXT    NOT NULL,
    case_number   INTEGER NOT NULL,
    created_by    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE INDEX warnings_by_user ON warnings (guild_id, user_id);

-- Guidelines, one row per version. group_id 0 is the server's own guidelines (0 rather than
-- NULL so the unique constraint holds: group ids start at 1).
CREATE TABLE guidelines (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    group_id       INTEGER NOT NULL DEFAULT 0,
    version        INTEGER NOT NULL,
    body           TEXT    NOT NULL,
    created_by     INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    post_nonce     TEXT,                            -- Discord drops a repeated post
    channel_id     INTEGER,                         -- where it was posted and pinned
    message_id     INTEGER,
    pinned         INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    UNIQUE (guild_id, group_id, version)
);

-- Reminders of a group's guidelines: on a schedule and/or at the start of each session.
CREATE TABLE guideline_reminders (
    group_id    INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    cadence     TEXT    NOT NULL DEFAULT 'off'
                CHECK (cadence IN ('off', 'weekly', 'biweekly', 'monthly')),
    at_session  INTEGER NOT NULL DEFAULT 0 CHECK (at_session IN (0, 1)),
    next_due    INTEGER,                            -- NULL when the schedule is off
    last_sent   INTEGER,
    updated_by  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE INDEX guideline_reminders_due ON guideline_reminders (next_due);

-- Sessions whose start already got a reminder: once per occurrence, across restarts.
CREATE TABLE guideline_session_reminders (
    group_id   INTEGER NOT NULL,
    occurrence TEXT    NOT NULL,
    sent_at    INTEGER NOT NULL,
    PRIMARY KEY (group_id, occurrence)
);
