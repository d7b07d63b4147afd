-- The confidentiality agreement sent privately to a member whose join waits for it (a join
-- request approved, a role given by hand, a join resumed at start-up): recorded in the same
-- transaction as the message, so that asking again for the same seat (the groups feature
-- had no time to note that it asked before a crash) sends nothing twice. Gone when the
-- member answers, and at the latest a week later (a seat is held 48 hours).
CREATE TABLE confidentiality_join_prompts (
    group_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    guild_id INTEGER NOT NULL,
    texts    TEXT    NOT NULL,  -- the versions asked for, e.g. "3,7"
    asked_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
