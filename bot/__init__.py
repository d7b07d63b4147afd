"""peer-support-bot core: settings, database, scheduler, outbox, errors, checks, translation."""
