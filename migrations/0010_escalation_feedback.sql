-- Distress escalation (issue 16): forwarded messages are marked as such.

-- 1: the member forwarded these words (Discord's message snapshot) rather than typing them.
ALTER TABLE escalation_case_messages ADD COLUMN forwarded INTEGER NOT NULL DEFAULT 0;
