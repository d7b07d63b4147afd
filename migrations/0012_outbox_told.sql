-- The outbox's on_sent handlers run at least once (issue 15): `told_at` is when the handler of a
-- sent row's kind finished (NULL: not yet). At start-up the dispatcher runs the handler again
-- for every sent row of a kind with a handler whose `told_at` is NULL: a crash between marking
-- the row sent and the handler is made good there, once, for every feature alike.
ALTER TABLE outbox ADD COLUMN told_at INTEGER;

-- Rows sent before this migration: their handlers (where there were any) ran, or the features'
-- own start-up catch-up has already read them.
UPDATE outbox SET told_at = sent_at WHERE status = 'sent';
