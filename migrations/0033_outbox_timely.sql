-- A priority between ordinary and urgent (bot/outbox.py TIMELY = 1: a session's reminder, claimed
-- before ordinary sends at their pace); urgent is now 2. Pending urgent rows written before keep
-- going first. (At each start the pending rows also take the priority their kind declares.)
UPDATE outbox SET priority = 2 WHERE priority = 1;
