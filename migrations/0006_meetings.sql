-- Meetings: one-off and recurring sessions of a group, in the group's time zone.
--
-- A series holds its rule (RFC 5545 RRULE evaluated in local wall-clock time). Only the next
-- session of each series is materialised as a row of meeting_occurrences; its due actions
-- (reminders, start, end) are rows of meeting_actions, fired once each by one scheduler job
-- that sleeps until the earliest due row. Local times are naive ISO strings
-- ('2027-03-02T12:00:00'): the stable key of a session within its series.

CREATE TABLE meeting_series (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    group_id         INTEGER NOT NULL,            -- the groups feature's id
    title            TEXT    NOT NULL,
    zone             TEXT    NOT NULL,            -- IANA name, the group's zone when scheduled
    start_local      TEXT    NOT NULL,            -- DTSTART, naive local ISO
    rrule            TEXT,                        -- NULL: a one-off session
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
    sequence         INTEGER NOT NULL DEFAULT 0,  -- bumped at each change (iCalendar SEQUENCE)
    created_by       INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    cancelled_at     INTEGER                      -- the whole series was cancelled
);
CREATE INDEX meeting_series_group ON meeting_series (guild_id, group_id);

-- Sessions of a series that were cancelled (skipped) or moved, by their local key.
CREATE TABLE meeting_overrides (
    series_id  INTEGER NOT NULL REFERENCES meeting_series (id) ON DELETE CASCADE,
    local_key  TEXT    NOT NULL,
    new_local  TEXT,                              -- NULL: cancelled; else moved to this time
    PRIMARY KEY (series_id, local_key)
);

CREATE TABLE meeting_occurrences (
    id            INTEGER PRIMARY KEY,            -- in RSVP button custom ids
    series_id     INTEGER NOT NULL REFERENCES meeting_series (id) ON DELETE CASCADE,
    guild_id      INTEGER NOT NULL,
    group_id      INTEGER NOT NULL,
    local_key     TEXT    NOT NULL,
    scheduled_at  INTEGER NOT NULL,               -- the originally scheduled start (UTC)
    starts_at     INTEGER NOT NULL,               -- the start after any move
    ends_at       INTEGER NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'scheduled'
                  CHECK (status IN ('scheduled', 'started', 'ended', 'cancelled')),
    UNIQUE (series_id, local_key)
);
CREATE INDEX meeting_occurrences_group ON meeting_occurrences (guild_id, group_id, status);

-- Due actions of a session: 'reminder:<minutes before>', 'start', 'end'.
CREATE TABLE meeting_actions (
    occurrence_id INTEGER NOT NULL REFERENCES meeting_occurrences (id) ON DELETE CASCADE,
    action        TEXT    NOT NULL,
    due_at        INTEGER NOT NULL,
    done_at       INTEGER,
    outcome       TEXT,                           -- 'done', 'late', 'skipped', 'dropped'
    PRIMARY KEY (occurrence_id, action)
);
CREATE INDEX meeting_actions_due ON meeting_actions (due_at) WHERE done_at IS NULL;

CREATE TABLE meeting_rsvps (
    occurrence_id INTEGER NOT NULL REFERENCES meeting_occurrences (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,
    answer        TEXT    NOT NULL CHECK (answer IN ('going', 'maybe', 'no')),
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (occurrence_id, user_id)
);

CREATE TABLE meeting_group_settings (
    group_id        INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    reminder_offsets TEXT   NOT NULL,             -- minutes before, comma separated: '1440,60'
    ping_role       INTEGER NOT NULL DEFAULT 0,   -- reminders mention the group's role
    remind_going    INTEGER NOT NULL DEFAULT 0,   -- a private reminder to those going
    updated_at      INTEGER NOT NULL,
    updated_by      INTEGER NOT NULL
);

-- The Discord Scheduled Event that shows a group's next session.
CREATE TABLE meeting_events (
    group_id       INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    occurrence_id  INTEGER,                       -- the session the event shows
    event_id       INTEGER,                       -- Discord's id, NULL until created
    fingerprint    TEXT,                          -- what was last sent (name, times, place)
    dirty          INTEGER NOT NULL DEFAULT 1,    -- needs syncing with Discord
    version        INTEGER NOT NULL DEFAULT 0,    -- bumped at each change, so a sync that
                                                  -- ran meanwhile does not clear `dirty`
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_try_at    INTEGER NOT NULL DEFAULT 0,
    reported       INTEGER NOT NULL DEFAULT 0     -- leaders were told it is failing
);
