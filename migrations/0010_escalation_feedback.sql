-- Distress escalation (issue 16): forwarded messages are marked as such, and an alert raised by
-- anonymous feedback waits here for its random delay before it is sent.

-- 1: the member forwarded these words (Discord's message snapshot) rather than typing them.
ALTER TABLE escalation_case_messages ADD COLUMN forwarded INTEGER NOT NULL DEFAULT 0;

-- An alert raised by anonymous /feedback, until it is sent (then the row is deleted). No member,
-- no text, and not the moment the feedback was written: only when the alert is due, a random
-- 2 to 15 minutes later, so the alert's own time says nothing about when it was written.
CREATE TABLE escalation_feedback_alerts (
    id       INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    group_id INTEGER,                                     -- NULL: feedback for the moderators
    category TEXT    NOT NULL,
    severity INTEGER NOT NULL,
    due_at   INTEGER NOT NULL
);

CREATE INDEX escalation_feedback_alerts_due ON escalation_feedback_alerts (due_at);
