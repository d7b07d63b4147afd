-- One-to-one peer support (issue 22): mentors and mentees, leader buddies.
--
-- A profile exists only while its member wants it: `/mentor withdraw` (and `/privacy delete`)
-- deletes it with every match and check-in naming them. The organisation's numbers live in
-- `mentoring_tallies`, which names nobody.

CREATE TABLE mentoring_settings (
    guild_id INTEGER PRIMARY KEY,
    coordinator_role_id INTEGER,
    thread_channel_id INTEGER,   -- private pairing threads are opened under it
    notice_channel_id INTEGER,   -- where the coordinators are told
    updated_by INTEGER,
    updated_at INTEGER NOT NULL
);

-- Cancer types this server added to the built-in list.
CREATE TABLE mentoring_cancer_types (
    guild_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (guild_id, name)
);

-- kind: 'mentee' (a request), 'mentor' (an offer), 'buddy' (a leader buddy).
-- status: 'open' (a request or buddy waiting), 'pending' (an offer waiting for approval),
-- 'approved' (a mentor who can be matched).
CREATE TABLE mentoring_profiles (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    role TEXT NOT NULL,
    cancer_type TEXT,
    stage TEXT,
    treatments TEXT NOT NULL DEFAULT '',
    age_band TEXT,
    gender TEXT,
    languages TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    musts TEXT NOT NULL DEFAULT '',
    wishes TEXT NOT NULL DEFAULT '',
    frequency TEXT NOT NULL,
    words TEXT NOT NULL DEFAULT '',
    capacity INTEGER NOT NULL DEFAULT 0,
    approved_by INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (guild_id, user_id, kind)
);

-- status: 'proposed' (waiting for both answers), 'opening' (both accepted: the thread or the
-- introduction is being made), 'active', then gone (declined or ended matches are deleted;
-- the tallies keep the numbers). An ended match with a thread is 'closing' first: its people
-- set to 0 at once, it keeps only its server and thread until the thread is archived.
CREATE TABLE mentoring_matches (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    mentee_id INTEGER NOT NULL,
    mentor_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    mentee_ok INTEGER NOT NULL DEFAULT 0,
    mentor_ok INTEGER NOT NULL DEFAULT 0,
    confirmed_by INTEGER NOT NULL,
    requested_at INTEGER NOT NULL,
    confirmed_at INTEGER NOT NULL,
    started_at INTEGER,
    thread_id INTEGER,
    next_checkin_at INTEGER
);
CREATE INDEX mentoring_matches_by_mentee ON mentoring_matches (guild_id, mentee_id);
CREATE INDEX mentoring_matches_by_mentor ON mentoring_matches (guild_id, mentor_id);

-- A check-in asked of one person: its rating once answered (never words: those go to the
-- coordinator as a message and are not kept here).
CREATE TABLE mentoring_checkins (
    id INTEGER PRIMARY KEY,
    match_id INTEGER NOT NULL REFERENCES mentoring_matches (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    asked_at INTEGER NOT NULL,
    rating INTEGER
);

-- Numbers for the organisation, naming nobody: requests, offers, matches, declines, ends,
-- seconds from request to match, ratings by value ('rating_1' .. 'rating_5').
CREATE TABLE mentoring_tallies (
    guild_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    value INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, name)
);
