-- Whose language (issue 20): what is sent to one member (a direct message, later, through the
-- outbox) is in their language. `locale` is the Discord locale seen on their last interaction
-- in this server (e.g. es-ES), `chosen` the language they picked with /language (NULL: follow
-- Discord). Per server, like everything the bot keeps about a member: /privacy delete forgets
-- it and /privacy export shows it.
CREATE TABLE member_languages (
    guild_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    locale TEXT,
    chosen TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
