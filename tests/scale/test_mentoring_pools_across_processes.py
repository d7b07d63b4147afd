"""The mentoring suggestions' pools (cogs/mentoring/pools.py) follow the profile writes of every
process sharing one PostgreSQL database: a mentor whose profile another process deleted (a
member's `/privacy delete` in a direct message reaches shard 0's process, whatever the server)
is never suggested by the server's own process afterwards. Two `Database` objects on one real
PostgreSQL server play two bot processes, each with its own mentoring service."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from bot.db import Database
from bot.outbox import Outbox
from cogs.mentoring.service import MentoringService
from tests.mentoring.test_pools import form
from tests.scale.test_remembered_across_processes import by_hand, eventually

GUILD = 1_579_562_243_727_556_784
MENTEE, MENTOR, OTHER = GUILD + 1, GUILD + 2, GUILD + 3
ADMIN = GUILD + 9


def clock() -> datetime:
    return datetime(2026, 12, 7, 12, tzinfo=UTC)


async def test_a_mentor_deleted_by_another_process_is_not_suggested(
    two: tuple[Database, Database], pg_url: str
) -> None:
    home_db, other_db = two
    home = MentoringService(home_db, clock, Outbox(home_db, clock))
    other = MentoringService(other_db, clock, Outbox(other_db, clock))
    rnd = random.Random(7)
    await home.save_profile(GUILD, MENTEE, "mentee", **form(rnd, "patient"))
    for mentor in (MENTOR, OTHER):
        await home.save_profile(GUILD, mentor, "mentor", **form(rnd, "survivor"))
        await home.approve(GUILD, mentor, 2, ADMIN)

    async def suggested() -> list[int]:
        _, found = await home.suggest(GUILD, MENTEE, top=10)
        return sorted(s.profile.user_id for s in found)

    assert await suggested() == [MENTOR, OTHER]
    # The pools are kept: a change nobody announces (by hand in SQL) is not seen...
    await by_hand(
        pg_url, "UPDATE mentoring_profiles SET status = 'pending' WHERE user_id = $1", OTHER
    )
    assert await suggested() == [MENTOR, OTHER]
    await by_hand(
        pg_url, "UPDATE mentoring_profiles SET status = 'approved' WHERE user_id = $1", OTHER
    )
    # ...but another process's write is: its mentor is gone from every suggestion here.
    async with other_db.transaction() as tx:
        await other.repo.delete_profiles(tx, GUILD, MENTOR)
    await eventually(suggested, [OTHER])
