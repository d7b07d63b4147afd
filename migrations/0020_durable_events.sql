-- Durable cross-feature events (issue 19, bot/event_log.py). An event is written in the same
-- transaction as the state change that causes it (a session started or ended) and delivered at
-- least once to each listener a feature declares; a delivery is recorded once its listener has
-- handled it, so a crash between the commit and the delivery loses nothing.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,            -- meeting_started, meeting_ended (bot/events.py)
    payload    TEXT    NOT NULL,            -- JSON object of ids and short strings
    created_at INTEGER NOT NULL,
    expires_at INTEGER                      -- not delivered after this moment (NULL: never)
);

CREATE INDEX events_by_name ON events (name, id);

CREATE TABLE event_deliveries (
    event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    listener TEXT    NOT NULL,              -- the feature that heard it
    outcome  TEXT    NOT NULL CHECK (outcome IN ('done', 'expired', 'failed')),
    done_at  INTEGER NOT NULL,
    PRIMARY KEY (event_id, listener)
);

-- /timeout records its intent before Discord applies it (cogs/moderation): a crash after the
-- timeout was applied and before its case was written leaves this row, and the start-up
-- reconciliation completes it (the case, the mod-log line, the member told once) or, if Discord
-- shows no such timeout, drops it.
CREATE TABLE pending_timeouts (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    actor_id   INTEGER NOT NULL,
    until      INTEGER NOT NULL,
    reason     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX pending_timeouts_by_guild ON pending_timeouts (guild_id);
