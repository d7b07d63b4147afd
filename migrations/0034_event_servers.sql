-- Several processes share one PostgreSQL database (bot/shards.py, docs/DESIGN.md "Several
-- processes"): each delivers the durable events of its own servers, whose listeners act through
-- the server's gateway cache, and the events of no server if it runs shard 0. The server an
-- event concerns is its payload's guild_id, kept beside it (NULL: of no server). Events written
-- before this migration are given theirs at the first start with several processes
-- (bot/event_log.py).
ALTER TABLE events ADD COLUMN guild_id INTEGER;
