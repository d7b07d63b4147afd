-- Several processes share one PostgreSQL database (bot/shards.py, docs/DESIGN.md "Several
-- processes"): a due meeting action (a reminder, a session's start or end) is claimed with a
-- lease before it fires, as an outbox row is (0032), so processes claim at the same time, each
-- action once, and a dead process's actions are taken over once its lease has expired.
-- NULL: not claimed (or claimed before this migration).
ALTER TABLE meeting_actions ADD COLUMN lease_owner TEXT;
ALTER TABLE meeting_actions ADD COLUMN lease_until INTEGER;
