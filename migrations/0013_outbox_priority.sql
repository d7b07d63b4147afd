-- Crisis sends go first (issue 17). `priority` is the kind's declared priority when the row was
-- written (1: urgent, a crisis alert or the member's crisis resources; 0: everything else); the
-- dispatcher claims urgent rows first and keeps order within a destination among rows of the
-- same priority.
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;

-- Exactly once beyond Discord's nonce window: a Discord snowflake taken (with a margin) just
-- before the row's first attempt. Whatever that attempt created in the destination has a larger
-- id, so a resend long after an attempt whose outcome is unknown first looks there for it.
ALTER TABLE outbox ADD COLUMN tried_after INTEGER;

CREATE INDEX outbox_claim ON outbox (status, priority, next_attempt_at);
CREATE INDEX outbox_destination ON outbox (destination_type, destination_id, status);
