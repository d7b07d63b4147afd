-- Distress escalation (issue 17): who is on duty, pages that widen until someone claims the
-- alert, and a check-in reminder to the moderator who resolved a case.

-- A moderator on or off duty by hand: 'on' until `until_at` (/duty on), or 'off' until
-- `until_at` (/duty off in the middle of a rota shift: the rest of that shift).
CREATE TABLE escalation_duty (
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    state    TEXT    NOT NULL CHECK (state IN ('on', 'off')),
    since_at INTEGER NOT NULL,
    until_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- The time zone a moderator's rota is written in (IANA name); none: the server's zone.
CREATE TABLE escalation_duty_zones (
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    zone     TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- The weekly rota: local wall times in the moderator's zone, so a shift keeps its hours when
-- the clocks change. An end at or before the start ends the next day (22:00 to 02:00).
CREATE TABLE escalation_duty_rota (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    weekday      INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),        -- 0 Monday
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute   INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1440),
    created_at   INTEGER NOT NULL
);

CREATE INDEX escalation_duty_rota_member ON escalation_duty_rota (guild_id, user_id);

-- How often an unclaimed alert pages again, and when the check-in reminder goes (0: never).
CREATE TABLE escalation_duty_settings (
    guild_id              INTEGER PRIMARY KEY,
    repage_every_seconds  INTEGER NOT NULL DEFAULT 300,
    checkin_after_seconds INTEGER NOT NULL DEFAULT 86400,
    updated_at            INTEGER NOT NULL,
    updated_by            INTEGER
);

-- The paging ladder of a case: 1 once the moderators on duty were paged; how many times the
-- widest page was repeated.
ALTER TABLE escalation_cases ADD COLUMN duty_paged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE escalation_cases ADD COLUMN page_repeats INTEGER NOT NULL DEFAULT 0;

-- The check-in reminder of a resolved case: NULL until decided (and for open cases and false
-- alarms, which get none), then 'sent', 'failed' (the moderator's DMs refused it), 'superseded'
-- (the member has a newer case), 'resolver_gone' (the moderator left or is no longer one),
-- 'off' (the server turned check-ins off) or 'not_needed' (closed before check-ins existed).
ALTER TABLE escalation_cases ADD COLUMN checkin TEXT;
ALTER TABLE escalation_cases ADD COLUMN checkin_at INTEGER;
ALTER TABLE escalation_cases ADD COLUMN checkin_outbox_id INTEGER;

UPDATE escalation_cases SET checkin = 'not_needed' WHERE closed_at IS NOT NULL;

CREATE INDEX escalation_cases_checkin ON escalation_cases (checkin, status, closed_at);
