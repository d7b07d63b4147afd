-- Core tables: per-server settings and the outbox of sends that must not be lost.
-- Timestamps are INTEGER UTC epoch seconds; Discord ids are INTEGER.

CREATE TABLE guild_settings (
    guild_id              INTEGER PRIMARY KEY,
    moderator_role_id     INTEGER,
    escalation_channel_id INTEGER,
    mod_log_channel_id    INTEGER,
    region                TEXT,                          -- ISO 3166-1 alpha-2, for crisis resources
    timezone              TEXT,                          -- IANA name; NULL means UTC
    language              TEXT    NOT NULL DEFAULT 'en', -- a language the bot has a catalogue for
    updated_at            INTEGER NOT NULL,
    updated_by            INTEGER
);

-- A row is the intent to send one message. It is written in the same transaction as the state
-- change it reports; the dispatcher sends it with `nonce` (Discord drops a repeat) and marks it.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER,
    kind             TEXT    NOT NULL,               -- renderer name, e.g. 'core:test_alert'
    destination_type TEXT    NOT NULL CHECK (destination_type IN ('channel', 'user')),
    destination_id   INTEGER NOT NULL,
    payload          TEXT    NOT NULL,               -- JSON for the renderer
    nonce            TEXT    NOT NULL UNIQUE,
    status           TEXT    NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    lease_until      INTEGER,                        -- a sender holds the row until then
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER,
    channel_id       INTEGER,                        -- where it went (the DM channel for users)
    message_id       INTEGER,
    last_error       TEXT
);

CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
