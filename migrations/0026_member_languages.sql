-- Whose language (issue 20): what is sent to one member (a direct message, rendered later by the
-- outbox) is in their language. `locale` is their Discord locale (e.g. es-ES) as seen when a
-- direct message to them was queued (written in that same transaction: nothing is written
-- about a member who only used the bot, so an anonymous poll's voters are named nowhere);
-- `chosen` the language they picked with /language (NULL: follow Discord). Per server, like
-- everything the bot keeps about a member: /privacy delete forgets it, /privacy export shows it.
CREATE TABLE member_languages (
    guild_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    locale TEXT,
    chosen TEXT,
    PRIMARY KEY (guild_id, user_id)
);
