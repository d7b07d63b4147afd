-- Distress escalation: where each alert went down the chain (escalation channel, mod-log channel,
-- the moderators by DM, the admins and owner by DM), when it was first delivered (the member is
-- told the moderators know only from then), the private-thread fallback's bounded tries, and
-- the daily reminder to admins while no channel can receive alerts.

ALTER TABLE escalation_cases ADD COLUMN alert_link TEXT;           -- the chain link now trying
ALTER TABLE escalation_cases ADD COLUMN alert_delivered_at INTEGER; -- first delivery, any link
ALTER TABLE escalation_cases ADD COLUMN member_told_at INTEGER;     -- resources say "told"
ALTER TABLE escalation_cases ADD COLUMN thread_attempts INTEGER NOT NULL DEFAULT 0;

-- The alert sent by DM when no channel works: one row per moderator or admin it went to.
CREATE TABLE escalation_alert_dms (
    case_id   INTEGER NOT NULL REFERENCES escalation_cases (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL,
    link      TEXT    NOT NULL CHECK (link IN ('moderators', 'admins')),
    outbox_id INTEGER NOT NULL,
    status    TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    PRIMARY KEY (case_id, user_id)
);

CREATE INDEX escalation_alert_dms_outbox ON escalation_alert_dms (outbox_id);

-- What the admins of a server were told by DM, and when (at most daily per topic): 'no_channel'
-- (no channel can take alerts) or 'public:<channel id>' (an alert channel became readable by
-- people who are not moderators).
CREATE TABLE escalation_setup_reminders (
    guild_id INTEGER NOT NULL,
    topic    TEXT    NOT NULL,
    told_at  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, topic)
);
