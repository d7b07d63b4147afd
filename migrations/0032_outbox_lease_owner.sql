-- Several processes share one PostgreSQL database (bot/shards.py, docs/DESIGN.md "Several
-- processes"): each outbox claim records which process holds it, so a process that starts
-- again gives back only its own leases, and another process's lease is taken over only once
-- it has expired. NULL: claimed before this migration, or not claimed.
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
