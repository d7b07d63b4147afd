-- Access follows the database (issue 18).

-- Groups: access the bot has to take away and could not yet (Discord refused: the group's role
-- above the bot's, a missing permission, an outage). Until the row goes, the member is "to
-- remove": nobody is told "removed", start-up does not read their role as given by hand, and
-- the removal is tried again (at start, every 15 minutes, when the server's roles change).
--   kind 'role':      the group's role, from the member `target_id`;
--   kind 'overwrite': `target_id`'s own permissions (a member's or a role's) on the group's
--                     channels.
-- `notice` is what the member is told once it is done (e.g. 'removed': "you are no longer a
-- member"); `told_at` is when the moderators were told it failed.
CREATE TABLE group_access_removals (
    group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    guild_id   INTEGER NOT NULL,
    target_id  INTEGER NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('role', 'overwrite')),
    reason     TEXT    NOT NULL,
    notice     TEXT,
    created_at INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    told_at    INTEGER,
    PRIMARY KEY (group_id, target_id, kind)
);

CREATE INDEX group_access_removals_guild ON group_access_removals (guild_id);

-- Confidentiality: a grace period for one member of one group, as a new version gets: a
-- leader who stops leading stays as a member and must accept the agreement by `ends_at`, or
-- their access is held until they do.
CREATE TABLE confidentiality_member_graces (
    guild_id    INTEGER NOT NULL,
    group_id    INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    enforced_at INTEGER,
    PRIMARY KEY (group_id, user_id)
);
