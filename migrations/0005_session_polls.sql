-- Post-session feedback: groups whose leaders turned on a one-question poll after each session,
-- and the sessions already asked about (so a session is asked about once, across restarts).

CREATE TABLE feedback_session_polls (
    group_id   INTEGER PRIMARY KEY,                 -- the groups feature's id
    guild_id   INTEGER NOT NULL,
    hours      INTEGER NOT NULL CHECK (hours > 0),  -- how long each poll stays open
    updated_at INTEGER NOT NULL,
    updated_by INTEGER NOT NULL
);

CREATE TABLE feedback_sessions_asked (
    guild_id   INTEGER NOT NULL,
    group_id   INTEGER NOT NULL,
    occurrence TEXT    NOT NULL,                    -- the meetings feature's id of the session
    PRIMARY KEY (guild_id, group_id, occurrence)
);
