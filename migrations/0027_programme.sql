-- The programme's view (cogs/programme): the leaders' briefing before each session, who came
-- to each session, and what the group and programme reports count. Sessions are the meetings
-- feature's; this keeps its own record of them (by the `occurrence` name of the meeting events,
-- bot/events.py) so that reports reach back further than the meetings feature keeps sessions.

-- How long before each session a group's leaders get their briefing (0: none).
CREATE TABLE programme_settings (
    group_id         INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    briefing_minutes INTEGER NOT NULL CHECK (briefing_minutes >= 0),
    updated_at       INTEGER NOT NULL
);

-- One row per session the programme knows of; no member in it, only counts.
CREATE TABLE programme_sessions (
    guild_id     INTEGER NOT NULL,
    group_id     INTEGER NOT NULL,
    occurrence   TEXT    NOT NULL,                -- "<series id>:<scheduled start>"
    starts_at    INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'scheduled'
                 CHECK (status IN ('scheduled', 'held', 'skipped', 'cancelled')),
    briefed_at   INTEGER,                         -- the leaders' briefing was queued
    started_at   INTEGER,                         -- meeting_started heard
    ended_at     INTEGER,                         -- meeting_ended heard
    attendance   TEXT CHECK (attendance IN ('asked', 'recorded', 'skipped')),
    attended     INTEGER,                         -- how many came, once recorded
    PRIMARY KEY (guild_id, occurrence)
);
CREATE INDEX programme_sessions_group ON programme_sessions (guild_id, group_id, starts_at);
CREATE INDEX programme_sessions_open ON programme_sessions (status, starts_at);
-- The programme report reads these columns alone (a covering index).
CREATE INDEX programme_sessions_when
    ON programme_sessions (guild_id, starts_at, status, attended);

-- Who came to a session: seen in the group's voice channel during it ('voice', until the
-- leaders record or skip), or recorded by a leader ('recorded').
CREATE TABLE programme_attendance (
    guild_id   INTEGER NOT NULL,
    occurrence TEXT    NOT NULL,
    user_id    INTEGER NOT NULL,
    source     TEXT    NOT NULL CHECK (source IN ('voice', 'recorded')),
    PRIMARY KEY (guild_id, occurrence, source, user_id),
    FOREIGN KEY (guild_id, occurrence)
        REFERENCES programme_sessions (guild_id, occurrence) ON DELETE CASCADE
);
CREATE INDEX programme_attendance_user ON programme_attendance (guild_id, user_id);

-- Joins and leaves of groups, for "joined since the last session" and the reports' counts.
-- `user_id` is cleared after the server's retention period (the count stays).
CREATE TABLE programme_membership (
    id        INTEGER PRIMARY KEY,
    guild_id  INTEGER NOT NULL,
    group_id  INTEGER NOT NULL,
    user_id   INTEGER,
    change    TEXT    NOT NULL CHECK (change IN ('joined', 'left')),
    at        INTEGER NOT NULL
);
CREATE INDEX programme_membership_group ON programme_membership (guild_id, group_id, at);
CREATE INDEX programme_membership_user ON programme_membership (guild_id, user_id);
CREATE INDEX programme_membership_when ON programme_membership (guild_id, at);
