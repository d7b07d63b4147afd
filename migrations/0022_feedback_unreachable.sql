-- Since when waiting anonymous feedback has had nobody to read it (a group left without leaders,
-- a server without a mod-log channel): after a fortnight it is deleted rather than kept forever;
-- feedback for an archived group is deleted at the next digest. Keyed by destination only
-- (group 0: the moderators); it names no member and holds no text.
CREATE TABLE feedback_unreachable (
    guild_id INTEGER NOT NULL,
    group_id INTEGER NOT NULL,
    since_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, group_id)
);
