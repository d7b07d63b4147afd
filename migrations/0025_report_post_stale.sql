-- A report's post in the mod-log (or escalation) channel shows who claimed it and whether it is
-- closed. Claiming or closing marks the post stale in the same transaction; the post is edited,
-- then marked shown. A bot stopped in between (a crash) edits the stale posts at its next start
-- (cogs/moderation/reports_cog.py), so the post never shows an older state than the database.
ALTER TABLE reports ADD COLUMN post_stale INTEGER NOT NULL DEFAULT 0 CHECK (post_stale IN (0, 1));
