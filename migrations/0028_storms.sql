-- Weathering storms (issue 21): members who died or asked to be remembered, the group's message
-- about them, the moderators' check-in with the leaders, and groups left without a leader.

-- Core (bot/do_not_contact.py): people the bot never writes to privately again in a server.
-- Every outbox row for a member (a DM) is checked against it at send time and dropped unsent.
-- Holds ids only: no reason, no text.
CREATE TABLE do_not_contact (
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    since_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- The storms feature (cogs/storms). One row per member remembered in a group: who recorded it
-- (a leader or moderator), why ('died' or 'asked'), the group's message (the leader's draft,
-- cleared once posted or cancelled), and the moderators' check-in with the leaders.
CREATE TABLE storms_remembered (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    group_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    why           TEXT    NOT NULL CHECK (why IN ('died', 'asked')),
    recorded_by   INTEGER NOT NULL,
    recorded_at   INTEGER NOT NULL,
    -- the group's message: 'draft' until the leader posts or cancels it
    message       TEXT    NOT NULL DEFAULT 'draft'
                  CHECK (message IN ('draft', 'posted', 'cancelled')),
    draft         TEXT,                 -- the leader's words until posted or cancelled
    outbox_id     INTEGER,              -- the posted message's outbox row
    message_id    INTEGER,              -- the posted message, once Discord has it
    -- the moderators' check-in with the leaders
    checkin_due_at   INTEGER NOT NULL,  -- when the private reminder goes if nobody checked in
    checked_in_by    INTEGER,
    checked_in_at    INTEGER,
    reminded_at      INTEGER,
    UNIQUE (guild_id, group_id, user_id)
);

CREATE INDEX storms_remembered_checkin ON storms_remembered (checkin_due_at)
    WHERE checked_in_at IS NULL AND reminded_at IS NULL;

-- Groups that lost their last leader, told to the moderators once; the row goes when a leader
-- is appointed.
CREATE TABLE storms_leaderless (
    guild_id INTEGER NOT NULL,
    group_id INTEGER NOT NULL,
    since_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, group_id)
);
