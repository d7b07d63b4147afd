-- Distress escalation (issue 16): why the detector raised a signal, for the moderators. The
-- C-SSRS level of the signal ('wish_dead', 'active_thoughts', 'method', 'intent', 'plan',
-- 'preparatory', 'attempt', 'nssi'; lower: 'hopelessness', 'burdensomeness', 'entrapment') and
-- its cue: the words that raised it, normalised ("am going to end my life"). NULL when unknown
-- (rows written before this migration, /support without words that signal anything).
--
-- The cue quotes the member's words: it is deleted with the text by the retention purge.

ALTER TABLE escalation_case_messages ADD COLUMN level TEXT;
ALTER TABLE escalation_case_messages ADD COLUMN cue TEXT;           -- NULL once purged

-- The case's strongest signal so far (the one its category and severity come from).
ALTER TABLE escalation_cases ADD COLUMN level TEXT;
ALTER TABLE escalation_cases ADD COLUMN cue TEXT;                   -- NULL once purged

-- An alert from anonymous feedback names the level only: never a cue, which would quote it.
ALTER TABLE escalation_feedback_alerts ADD COLUMN level TEXT;
