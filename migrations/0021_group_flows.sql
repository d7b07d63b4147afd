-- Groups: every multi-step flow survives a crash (issue 19).

-- /group create records its intent before it makes anything in Discord, then the id of each
-- role or channel as soon as Discord returns it, then marks the row done in the same
-- transaction as the group itself. A row still 'provisioning' at start-up is a group a crash
-- cut short: the start-up recovery deletes what it recorded (and what it finds that the setup
-- made but had no time to record: the same name, created after `started_at`, owned by no
-- group), marks it 'undone' and tells the moderator who ran the command, once (`told_at`).
-- A 'done' row not yet told (the crash came before the reply) tells them the group is ready.
-- Telling is an edit of the command's own deferred reply while its interaction token is valid
-- (15 minutes), so a crash between the edit and `told_at` repeats the edit, not the message;
-- later it is a direct message. The token is cleared once they are told.
CREATE TABLE group_provisionings (
    id                 INTEGER PRIMARY KEY,
    guild_id           INTEGER NOT NULL,
    created_by         INTEGER NOT NULL,
    name               TEXT    NOT NULL,
    channel_name       TEXT    NOT NULL,
    status             TEXT    NOT NULL DEFAULT 'provisioning'
                       CHECK (status IN ('provisioning', 'done', 'undone')),
    role_id            INTEGER,
    channel_id         INTEGER,
    voice_channel_id   INTEGER,
    leaders_channel_id INTEGER,
    group_id           INTEGER REFERENCES groups (id) ON DELETE SET NULL,
    started_at         INTEGER NOT NULL,
    finished_at        INTEGER,
    told_at            INTEGER,
    interaction_token  TEXT
);

CREATE INDEX group_provisionings_open ON group_provisionings (guild_id, status);

-- A join ticket whose gates (e.g. the agreement) were asked: NULL means the flow that gave
-- the ticket (an approval, an accepted offer) stopped before asking them, and start-up asks.
ALTER TABLE group_join_tickets ADD COLUMN gates_asked_at INTEGER;
-- Tickets from before this migration were asked by the flow that gave them.
UPDATE group_join_tickets SET gates_asked_at = created_at;

-- A waitlist offer: the outbox row of its direct message, and when a member whose direct
-- messages are closed was pointed to /group mine by a note without their name.
ALTER TABLE group_waitlist ADD COLUMN offer_row INTEGER;
ALTER TABLE group_waitlist ADD COLUMN offer_noted_at INTEGER;
