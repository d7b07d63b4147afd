-- The programme's reports to the organisation (issue 21): where and how often the programme
-- report is posted, the periods already posted (claimed in the transaction that queues the post:
-- once per period across restarts), and the leaders' check-in answers about their group.

CREATE TABLE programme_report_schedule (
    guild_id    INTEGER PRIMARY KEY,
    channel_id  INTEGER NOT NULL,
    interval    TEXT    NOT NULL CHECK (interval IN ('monthly', 'quarterly')),
    next_start  INTEGER NOT NULL,                 -- the first day of the next period to post
    updated_by  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE programme_report_runs (
    guild_id      INTEGER NOT NULL,
    interval      TEXT    NOT NULL,
    period_start  INTEGER NOT NULL,
    period_end    INTEGER NOT NULL,
    queued_at     INTEGER NOT NULL,
    PRIMARY KEY (guild_id, interval, period_start)
);

-- "How is the group going?": one answer per leader, group and period (a second press replaces
-- it). `words` and `leader_id` go after the server's retention period; the rating stays, the
-- group's alone. Never shown to members.
CREATE TABLE programme_checkins (
    guild_id      INTEGER NOT NULL,
    group_id      INTEGER NOT NULL,
    period_start  INTEGER NOT NULL,
    leader_key    INTEGER NOT NULL,               -- the leader's id; a negative number once forgotten
    leader_id     INTEGER,                        -- NULL once forgotten
    rating        INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    words         TEXT,
    answered_at   INTEGER NOT NULL,
    PRIMARY KEY (guild_id, group_id, period_start, leader_key)
);
CREATE INDEX programme_checkins_when ON programme_checkins (guild_id, answered_at);
CREATE INDEX programme_checkins_leader ON programme_checkins (guild_id, leader_id);
