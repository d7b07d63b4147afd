"""Retention that members can count on: warnings expire after the server's warning period,
crisis cases lose their member after the case retention, and the mod log can only lose a
member, never be rewritten."""

from __future__ import annotations

import sqlite3

import pytest

from tests.fakediscord.errors import InteractionRefused
from tests.privacy.conftest import RETENTION_JOBS, World, close_everything, run_jobs


async def test_warnings_expire_after_the_servers_period(world: World) -> None:
    w, s, anna = world, world.server, world.anna
    listing = await w.slash(s.moderator, "warnings", member=anna.id)
    assert "has 1 warning." in listing.message.embeds[0]["description"]
    assert "expired" not in listing.message.embeds[0]["description"]

    # Only admins choose the period, and only a sensible one.
    with pytest.raises(InteractionRefused):  # /setup is for Manage Server (and our check)
        await w.slash(s.moderator, "setup warning-expiry", days=30)
    res = await w.slash(s.admin, "setup warning-expiry", days=3)
    assert res.ephemeral and "between 7 and 3650 days" in res.text
    assert (await w.bot.guild_settings.get(s.guild.id)).warning_expiry_days == 180
    res = await w.slash(s.admin, "setup warning-expiry", days=30)
    assert res.ephemeral and "count for 30 days" in res.text
    assert (await w.bot.guild_settings.get(s.guild.id)).warning_expiry_days == 30

    w.clock.advance(days=31)
    listing = await w.slash(s.moderator, "warnings", member=anna.id)
    text = listing.message.embeds[0]["description"]
    assert "has 0 warnings." in text
    assert "1 older warning has expired and no longer counts (30 days)" in text
    assert "(expired: no longer counts)" in text and "Please keep it kind" in text
    # A new warning counts; the old one still does not.
    await w.slash(s.moderator, "warn", member=anna.id, reason="Second time")
    text = (await w.slash(s.moderator, "warnings", member=anna.id)).message.embeds[0]["description"]
    assert "has 1 warning." in text and text.count("(expired: no longer counts)") == 1
    # Her own export says the same.
    await w.slash(anna, "privacy export")
    warnings = w.exported(anna)["data"]["Moderation"]["Warnings about you"]
    assert [x["counts"] for x in warnings] == [False, True]


async def test_a_closed_case_loses_its_member_after_the_case_retention(world: World) -> None:
    w, s, anna = world, world.server, world.anna
    res = await w.slash(s.admin, "setup case-retention", days=10)
    assert res.ephemeral and "between 30 and 3650 days" in res.text
    res = await w.slash(s.admin, "setup case-retention", days=60)
    assert res.ephemeral and "60 days after it is closed" in res.text
    await close_everything(w)
    [case_id] = [
        r["id"]
        for r in await w.bot.db.fetchall(
            "SELECT id FROM escalation_cases WHERE user_id = :u", {"u": anna.id}
        )
    ]

    # 61 days: past the case retention, but her words are kept 90 days: the case waits.
    w.clock.advance(days=61)
    await run_jobs(w, *RETENTION_JOBS)
    assert await w.count("SELECT user_id FROM escalation_cases WHERE id = :c", c=case_id) == (
        anna.id
    )

    # 91 days: her words go (and the alert is redacted), then the case loses her.
    w.clock.advance(days=30)
    await run_jobs(w, *RETENTION_JOBS)
    row = await w.bot.db.fetchone(
        "SELECT user_id, category, status, created_at, closed_at, text_purged_at, "
        "pseudonymised_at FROM escalation_cases WHERE id = :c",
        {"c": case_id},
    )
    assert row is not None and row["user_id"] == 0 and row["pseudonymised_at"] is not None
    assert row["category"] and row["status"] == "resolved" and row["closed_at"]
    assert not await w.count(
        "SELECT COUNT(*) FROM escalation_case_messages WHERE case_id = :c "
        "AND (message_id IS NOT NULL OR text IS NOT NULL)",
        c=case_id,
    )
    await w.slash(anna, "privacy export")
    assert "Support cases about you" not in w.exported(anna)["data"].get("Escalation", {})


async def test_the_mod_log_can_lose_a_member_but_never_be_rewritten(world: World) -> None:
    w, anna = world, world.anna
    history = await w.bot.modlog.history(w.server.guild.id, anna.id)
    [entry] = [e for e in history if e.action == "warn"]
    db = w.bot.db
    for sql in (
        "UPDATE mod_log SET action = 'timeout' WHERE id = :id",
        "UPDATE mod_log SET reason = 'something else' WHERE id = :id",
        "UPDATE mod_log SET target_id = 42 WHERE id = :id",
        "UPDATE mod_log SET case_number = 99 WHERE id = :id",
        "DELETE FROM mod_log WHERE id = :id",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            async with db.transaction() as tx:
                await tx.execute(sql, {"id": entry.id})
    # Erasure: the entry keeps its case number and action, and loses her, at its time.
    res = await w.slash(anna, "privacy delete")
    await w.fake.click(anna, res.message, res.message.custom_ids()[0])
    await w.runner.idle()
    kept = await w.bot.modlog.history(w.server.guild.id, anna.id)
    assert entry.id in [e.id for e in kept]  # written today: kept the retention period
    w.clock.advance(days=91)
    await run_jobs(w, "privacy:forget")
    after = await w.bot.modlog.entry(entry.id)
    assert after is not None and after.target_id is None and after.reason is None
    assert (after.case_number, after.action) == (entry.case_number, entry.action)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        async with db.transaction() as tx:
            await tx.execute("UPDATE mod_log SET forgotten_at = 1 WHERE id = :id", {"id": entry.id})
