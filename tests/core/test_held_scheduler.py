"""The tests' scheduler (tests/harness.py HeldJobStore): jobs planned at a test's dates never run
by real time, even once real time has passed those dates; a job asked to run now still runs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tests.harness import held_scheduler, wait_until


async def test_jobs_planned_in_the_real_past_wait_for_the_test() -> None:
    scheduler = held_scheduler()
    scheduler.start()
    ran: list[str] = []

    async def record(name: str) -> None:
        ran.append(name)

    try:
        # A test whose FakeClock is in the real past (as every test's will be after 2027).
        past = datetime.now(UTC) - timedelta(days=30)
        scheduler.add_job(record, "date", run_date=past, args=["planned"], id="planned")
        scheduler.add_job(record, args=["now"], id="now")  # no trigger: run now
        soon = datetime.now(UTC) + timedelta(seconds=0.2)
        scheduler.add_job(record, "date", run_date=soon, args=["soon"], id="soon")
        await wait_until(lambda: ran == ["now", "soon"], timeout=5)
        await asyncio.sleep(0.3)
        assert ran == ["now", "soon"]
        job = scheduler.get_job("planned")
        assert job is not None and job.next_run_time == past  # still listed, as planned
        await job.func(*job.args)  # the test runs it when its clock gets there
        assert ran == ["now", "soon", "planned"]
    finally:
        scheduler.shutdown(wait=False)
