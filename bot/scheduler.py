"""The scheduler: an APScheduler 3.x AsyncIOScheduler, built in main() and passed in.

Jobs live in memory only. The database is the source of truth for everything scheduled: each
feature rebuilds its jobs from its tables when the bot starts (`Bot.add_rebuilder`), so a restart
loses nothing and fires nothing twice. Job ids have a shape: `feature:what:id`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)


def _cancelled_by_shutdown(record: logging.LogRecord) -> bool:
    """False for APScheduler's report of a job cancelled because the bot is stopping: that is
    not an error (each feature's work is in the database and is picked up at the next start)."""
    return not (record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError))


logging.getLogger("apscheduler.executors.default").addFilter(_cancelled_by_shutdown)


def _on_job_event(event: JobExecutionEvent) -> None:
    if isinstance(event.exception, asyncio.CancelledError):
        log.debug("scheduled job %s stopped with the bot", event.job_id)
    elif event.code == EVENT_JOB_MISSED:
        log.warning("scheduled job %s missed its time %s", event.job_id, event.scheduled_run_time)
    elif event.exception is not None:
        log.error(
            "scheduled job %s failed",
            event.job_id,
            exc_info=(type(event.exception), event.exception, event.exception.__traceback__),
        )


def create_scheduler() -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(
        timezone=UTC,
        job_defaults={
            # A job late because the loop was busy still runs; two missed runs become one.
            "coalesce": True,
            "misfire_grace_time": None,
            "max_instances": 1,
        },
    )
    scheduler.add_listener(_on_job_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    return scheduler
