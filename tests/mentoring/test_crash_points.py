"""Crash points of the pairing (tests/crashpoints.py): the second "yes" records the intent
('opening'), the private thread is made and both people added, then the match is active with
its guide. Killed at every step and restarted: one thread (never two), with both people and
nobody else, the guide posted once, the match active; or, killed before the "yes" was
written, the button still works."""

from __future__ import annotations

import pytest

from tests.crashpoints import Flow, World, sweep
from tests.fakediscord.models import Message, User
from tests.harness import wait_until

pytestmark = pytest.mark.slow

FORM = {
    "cancer_type": "Breast", "stage": "early", "age_band": "30-44", "language": "en",
    "time_zone": "Europe/London", "frequency": "weekly",
}  # fmt: skip


async def slash(world: World, user: User, command: str, **options: object) -> Message:
    s = world.server
    res = await world.fake.slash(user, command, guild=s.guild, channel=s.general, options=options)
    await world.idle()
    return res.message


def asked(world: World, user: User) -> tuple[Message, str] | None:
    for message in reversed(world.fake.dm_messages(user)):
        ids = [c for c in message.custom_ids() if c.startswith("mentoring:consent:")]
        if ids:
            return message, next(c for c in ids if ":yes:" in c)
    return None


async def consent(world: World, user: User) -> tuple[Message, str]:
    """The consent DM with its "yes" (a busy machine may deliver it after `idle()`)."""
    try:
        await wait_until(lambda: asked(world, user) is not None, timeout=10)
    except TimeoutError:
        raise AssertionError("no consent message") from None
    found = asked(world, user)
    assert found is not None
    return found


class SecondYes(Flow):
    features = ("settings", "mentoring")

    async def prepare(self, world: World) -> None:
        s, fake = world.server, world.fake
        ana = fake.create_user("ana")
        fake.add_member(s.guild, ana)
        threads = fake.create_text_channel(s.guild, "peer-support")
        world.state.update(ana=ana, threads=threads)
        await world.bot.guild_settings.set_moderator_role(s.guild.id, s.moderator_role.id, 0)
        await slash(world, s.admin, "mentor setup channels", threads=threads.id,
                    notices=s.private.id)  # fmt: skip
        await slash(world, s.member, "mentor request", role="patient", **FORM)
        await slash(world, ana, "mentor offer", role="survivor", **FORM)
        await slash(world, s.moderator, "mentor approve", member=ana.id)
        listed = await slash(world, s.moderator, "mentor suggest", member=s.member.id)
        proposed = await fake.click(s.moderator, listed, listed.custom_ids()[0])
        assert proposed.error_status is None, proposed
        await world.idle()
        message, yes = await consent(world, s.member)
        await fake.click(s.member, message, yes)
        await world.idle()

    async def act(self, world: World) -> None:
        ana: User = world.state["ana"]
        message, yes = await consent(world, ana)
        await world.fake.click(ana, message, yes)
        await world.idle()

    async def check(self, world: World, point: int | None) -> None:
        s, fake = world.server, world.fake
        ana: User = world.state["ana"]
        row = await world.bot.db.fetchone("SELECT status FROM mentoring_matches")
        assert row is not None
        if row["status"] == "proposed":  # killed before her "yes" was written: press again
            await self.act(world)
        threads = fake.threads_in(world.state["threads"])
        assert len(threads) == 1, f"{len(threads)} threads"
        [thread] = threads
        assert set(thread.member_ids) == {fake.bot_user.id, s.member.id, ana.id}
        guides = [m for m in fake.messages_in(thread, include_system=False)
                  if "/support" in m.text]  # fmt: skip
        assert len(guides) == 1, f"{len(guides)} guides"
        status = await world.bot.db.fetchval("SELECT status FROM mentoring_matches")
        assert status == "active"


async def test_the_second_yes_survives_a_crash_at_every_step(tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = await sweep(SecondYes(), tmp_path)
    # the answer's commit, the edited DM, the thread, two members added, the guide's commit...
    assert report.steps >= 6
    assert any(kind.startswith("POST /channels/") and kind.endswith("/threads")
               for kind in report.kinds)  # fmt: skip


class End(SecondYes):
    """Ana ends the active match: killed at every step, the match is gone (or still active, if
    killed before it was written, and she can end it again), the thread ends archived and
    locked, Mia is told once."""

    async def prepare(self, world: World) -> None:
        await super().prepare(world)
        await super().act(world)

    async def act(self, world: World) -> None:
        await slash(world, world.state["ana"], "mentor end")

    async def check(self, world: World, point: int | None) -> None:
        status = await world.bot.db.fetchval("SELECT status FROM mentoring_matches")
        if status == "active":  # killed before the end was written: she ends it again
            await self.act(world)
        assert await world.bot.db.fetchval("SELECT COUNT(*) FROM mentoring_matches") == 0
        [thread] = world.fake.threads_in(world.state["threads"])
        assert thread.archived and thread.locked
        told = [m for m in world.fake.dm_messages(world.server.member)
                if "nobody's fault" in m.text]  # fmt: skip
        assert len(told) == 1, f"told {len(told)} times"


async def test_ending_survives_a_crash_at_every_step(tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = await sweep(End(), tmp_path)
    assert report.steps >= 3
