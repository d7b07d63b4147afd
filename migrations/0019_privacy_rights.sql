-- Members' rights (issue 18): retention of case metadata, expiry of warnings, and erasure that
-- keeps what safety requires without the member's identity.

-- How long a warning counts (`/setup warning-expiry`), and how long a crisis case keeps the
-- member's id after it is closed (`/setup case-retention`).
ALTER TABLE guild_settings ADD COLUMN warning_expiry_days INTEGER NOT NULL DEFAULT 180;
ALTER TABLE guild_settings ADD COLUMN case_retention_days INTEGER NOT NULL DEFAULT 365;

-- The mod log stays append-only in what it says (case number, action, actor, group, time): an
-- entry can only lose the member it is about, and the reason and details written about them.
-- `forget_at`: when a member asked to be erased, their entries lose identity at that time (the
-- server's retention period after the entry), and `forgotten_at` says it happened.
ALTER TABLE mod_log ADD COLUMN forget_at INTEGER;
ALTER TABLE mod_log ADD COLUMN forgotten_at INTEGER;

DROP TRIGGER mod_log_no_update;

CREATE TRIGGER mod_log_no_update BEFORE UPDATE ON mod_log
WHEN NOT (
    NEW.id = OLD.id
    AND NEW.guild_id = OLD.guild_id
    AND NEW.case_number = OLD.case_number
    AND NEW.action = OLD.action
    AND NEW.actor_id = OLD.actor_id
    AND NEW.group_id IS OLD.group_id
    AND NEW.created_at = OLD.created_at
    AND (NEW.target_id IS OLD.target_id OR NEW.target_id IS NULL)
    AND (NEW.reason IS OLD.reason OR NEW.reason IS NULL)
    AND (NEW.details = OLD.details OR NEW.details = '{}')
    AND (OLD.forgotten_at IS NULL OR NEW.forgotten_at IS OLD.forgotten_at)
)
BEGIN
    SELECT RAISE(ABORT, 'mod_log is append-only');
END;

CREATE INDEX mod_log_to_forget ON mod_log (forget_at);

-- A warning about a member who asked to be erased: deleted when it expires (`forget_at`).
ALTER TABLE warnings ADD COLUMN forget_at INTEGER;

-- A report by or about a member who asked to be erased while it was open: it loses them when it
-- closes (1 = asked).
ALTER TABLE reports ADD COLUMN forget_requested INTEGER NOT NULL DEFAULT 0;

-- A crisis case loses its member (user_id 0) `case_retention_days` after it closes, or at once
-- when it closes if the member asked to be erased while it was open.
ALTER TABLE escalation_cases ADD COLUMN forget_requested INTEGER NOT NULL DEFAULT 0;
ALTER TABLE escalation_cases ADD COLUMN pseudonymised_at INTEGER;

-- A member's (or an admin's) request to erase a member's data, waiting for the confirmation
-- button: deleted when it is confirmed (the erasure runs once) or after 15 minutes.
CREATE TABLE privacy_requests (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,                 -- whose data
    requested_by INTEGER NOT NULL,                 -- the member, or the admin acting for them
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
