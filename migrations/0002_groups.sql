-- Groups: topic groups with a private channel and role. The database, not Discord, says who
-- belongs to a group; the role follows it.

CREATE TABLE groups (
    id                 INTEGER PRIMARY KEY,
    guild_id           INTEGER NOT NULL,
    name               TEXT    NOT NULL,
    name_key           TEXT    NOT NULL,                -- case-folded name: unique per server
    description        TEXT    NOT NULL DEFAULT '',
    topic              TEXT    NOT NULL DEFAULT '',
    language           TEXT    NOT NULL DEFAULT '',     -- as people say it: "English", "Español"
    capacity           INTEGER CHECK (capacity IS NULL OR capacity > 0),  -- NULL: no limit
    access             TEXT    NOT NULL DEFAULT 'open' CHECK (access IN ('open', 'restricted')),
    timezone           TEXT    NOT NULL,                -- IANA name
    role_id            INTEGER,
    channel_id         INTEGER,                         -- the private text channel
    voice_channel_id   INTEGER,
    leaders_channel_id INTEGER,                         -- where join requests go
    offer_hours        INTEGER NOT NULL DEFAULT 48,     -- how long a waitlist offer stays open
    archived_at        INTEGER,
    created_at         INTEGER NOT NULL,
    created_by         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    UNIQUE (guild_id, name_key)
);

CREATE INDEX groups_channel ON groups (guild_id, channel_id);

-- Everyone with access to a group: members take a seat, leaders do not.
CREATE TABLE group_members (
    group_id  INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    guild_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    role      TEXT    NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'leader')),
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
);

CREATE INDEX group_members_user ON group_members (guild_id, user_id);

-- A member entitled to join (open group with a seat, approved request, accepted offer) whose
-- join has not finished yet: the join gates (e.g. the confidentiality agreement) are pending.
-- A ticket holds a seat until it expires.
CREATE TABLE group_join_tickets (
    group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    source     TEXT    NOT NULL CHECK (source IN ('join', 'request', 'offer', 'added')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
);

-- Waiting for a seat, first come first served (by id). An offered seat is held until
-- offer_expires_at.
CREATE TABLE group_waitlist (
    id               INTEGER PRIMARY KEY,
    group_id         INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    guild_id         INTEGER NOT NULL,
    user_id          INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    offered_at       INTEGER,
    offer_expires_at INTEGER,
    UNIQUE (group_id, user_id)
);

CREATE TABLE group_join_requests (
    id          INTEGER PRIMARY KEY,
    group_id    INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'approved', 'declined', 'withdrawn')),
    created_at  INTEGER NOT NULL,
    decided_at  INTEGER,
    decided_by  INTEGER,
    reason      TEXT                                    -- the kind reason sent to the member
);

CREATE UNIQUE INDEX group_join_requests_pending
    ON group_join_requests (group_id, user_id) WHERE status = 'pending';

-- Who was removed from a group by a leader or moderator, and why: for moderators only.
CREATE TABLE group_removals (
    id         INTEGER PRIMARY KEY,
    group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    removed_by INTEGER NOT NULL,
    reason     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

-- "Groups panel" messages with one Join button per group, kept up to date.
CREATE TABLE group_panels (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    message_id INTEGER,                                 -- set once the outbox has sent it
    created_at INTEGER NOT NULL,
    created_by INTEGER NOT NULL
);
