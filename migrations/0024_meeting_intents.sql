-- Meetings across a crash (issue 19).
--
-- A group's Discord event is created only once the intent is recorded (`creating`): a crash
-- after Discord made the event and before its id was written leaves the intent behind, and the
-- next sync adopts the event Discord shows instead of making a second one.
ALTER TABLE meeting_events ADD COLUMN creating INTEGER NOT NULL DEFAULT 0;

-- A session's announcement, once posted (the outbox tells its message id), is edited when the
-- session moves or its series is changed: `announcement_stale` is bumped by each such change
-- and set back to 0 once the message shows it (a change made meanwhile keeps it stale).
ALTER TABLE meeting_occurrences ADD COLUMN announcement_channel_id INTEGER;
ALTER TABLE meeting_occurrences ADD COLUMN announcement_id INTEGER;
ALTER TABLE meeting_occurrences ADD COLUMN announcement_stale INTEGER NOT NULL DEFAULT 0;
