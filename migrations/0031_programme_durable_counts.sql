-- The programme's counts from durable events (issue 21).
--
-- Joins and leaves were counted from the in-memory group events, and are now counted from the
-- durable ones (bot/events.py), each delivery claimed in the transaction that counts it. The
-- events written before this migration were counted already, in memory: they are marked
-- delivered to the programme's listener so that none is counted twice.
INSERT INTO event_deliveries (event_id, listener, outcome, done_at)
SELECT id, 'Programme', 'done', created_at FROM events
WHERE name IN ('group_member_joined', 'group_member_left')
ON CONFLICT (event_id, listener) DO NOTHING;

-- How many were put on a group's waitlist, and when (the durable `group_member_waitlisted`, which
-- never says who). The waitlist's own rows go when a member gets a seat or gives up, so the
-- reports count from here: everyone waitlisted during the period, not only those still waiting.
CREATE TABLE programme_waitlisted (
    id        INTEGER PRIMARY KEY,
    guild_id  INTEGER NOT NULL,
    group_id  INTEGER NOT NULL,
    at        INTEGER NOT NULL
);
CREATE INDEX programme_waitlisted_when ON programme_waitlisted (guild_id, at, group_id);

-- The anonymous post-session ratings the reports show, kept here once their poll has closed
-- (the feedback feature deletes closed polls after 30 days; a report reaches back years). One
-- row per poll, only where at least k answered, and never who: how many answered and how many
-- gave each rating. Copied by the programme's sweep from `bot.facts.ratings`.
CREATE TABLE programme_ratings (
    guild_id   INTEGER NOT NULL,
    group_id   INTEGER NOT NULL,
    closed_at  INTEGER NOT NULL,
    answered   INTEGER NOT NULL,
    mean       REAL    NOT NULL,
    rated_1    INTEGER,                 -- how many gave each rating (NULL: not known)
    rated_2    INTEGER,
    rated_3    INTEGER,
    rated_4    INTEGER,
    rated_5    INTEGER,
    PRIMARY KEY (guild_id, group_id, closed_at)
);

-- Mentoring's numbers with their moment (cogs/mentoring): each change of a tally of
-- `mentoring_tallies` (requests, offers, matches, declines, ends, seconds to match, check-in
-- ratings by value) is also written here with when it happened, so the programme report counts
-- those of its period. Names nobody.
CREATE TABLE mentoring_tally_log (
    id        INTEGER PRIMARY KEY,
    guild_id  INTEGER NOT NULL,
    name      TEXT    NOT NULL,
    value     INTEGER NOT NULL,
    at        INTEGER NOT NULL
);
CREATE INDEX mentoring_tally_log_when ON mentoring_tally_log (guild_id, at);
