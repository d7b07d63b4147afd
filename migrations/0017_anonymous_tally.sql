-- Anonymity that needs no checkpoint (issue 18). A vote no longer writes anything that depends on
-- the choice: it marks the voter's token and adds one to the poll's count of voters; the choice is
-- kept in the bot's memory and the poll's full tally is written once, when it closes (and only if
-- at least min_voters voted). The daily feedback limit is kept in memory too, so the moment a text
-- is written no row that a member's id (with ANON_SECRET) points to changes.

-- A token's state, two flags that each take no byte in the row (SQLite stores 0 and 1 in the
-- record header), so marking a vote never changes a row's size:
--   voted 0, pending 0  may vote
--   voted 1, pending 1  voted; the choice is held in memory until the poll closes
--   voted 0, pending 1  voted, but the bot restarted and the choice was lost: the member is told
--                       privately and may vote again
--   voted 1, pending 0  voted before this migration; the choice is already in poll_options
ALTER TABLE poll_voters ADD COLUMN pending INTEGER NOT NULL DEFAULT 0 CHECK (pending IN (0, 1));

-- The daily limit of free-text feedback lives in memory from now on (PRIVACY.md).
DROP TABLE feedback_quota;
