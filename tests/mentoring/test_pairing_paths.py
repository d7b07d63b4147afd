"""The pairing beyond the happy path: crisis words inside the private thread reach the
moderators (escalation reads private threads the bot is in), the DM introduction when no
thread channel is set, and consent buttons that still work after a restart."""

from __future__ import annotations

from typing import Any

from tests.conftest import FakeClock, StartBot
from tests.escalation.conftest import configure, private_overwrites
from tests.fakediscord import FakeDiscord
from tests.harness import BotRunner, Server
from tests.mentoring.conftest import World, offer, request
from tests.mentoring.test_mentoring import answer, propose


async def test_crisis_words_in_the_private_thread_reach_the_moderators(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    fake = fake_discord
    mod_log = fake.create_text_channel(
        server.guild, "mod-log", overwrites=private_overwrites(server)
    )
    runner = await start_bot(features=("settings", "moderation", "escalation", "mentoring"))
    await configure(fake, server, mod_log, "GB")
    w = await _world(fake, server, runner, clock)
    await propose(w)
    await answer(w, w.mentee, True)
    await answer(w, w.ana, True)
    [thread] = fake.threads_in(w.threads)
    await fake.send_message(w.mentee, thread, "honestly I don't want to live anymore")
    await runner.idle()
    cases = await w.count(
        "SELECT COUNT(*) FROM escalation_cases WHERE user_id = :u AND channel_id = :t",
        u=w.mentee.id, t=thread.id,
    )  # fmt: skip
    assert cases == 1
    alerts = [m for m in fake.messages_in(server.private) if m.author.id == fake.bot_user.id]
    assert alerts  # the moderators' alert channel heard it


async def test_threads_channel_under_the_alert_channel_is_refused(world: World) -> None:
    w = world
    assert w.runner.bot is not None
    await w.runner.bot.guild_settings.set_private_channel(
        w.server.guild.id, "escalation", w.server.private.id, 0
    )
    res = await w.slash(
        w.server.admin, "mentor setup channels", threads=w.server.private.id, notices=w.notices.id
    )
    assert res.ephemeral and "crisis words there are not read" in res.text


async def test_without_a_thread_channel_the_introduction_goes_by_dm(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    runner = await start_bot(features=("settings", "mentoring"))
    w = await _world(fake_discord, server, runner, clock, channels=False)
    await request(w, w.mentee)
    await offer(w, w.ana)
    await w.slash(w.server.moderator, "mentor approve", member=w.ana.id)
    res = await w.slash(w.server.moderator, "mentor suggest", member=w.mentee.id)
    await w.fake.click(w.server.moderator, res.message, res.message.custom_ids()[0])
    await runner.idle()
    await answer(w, w.mentee, True)
    await answer(w, w.ana, True)
    assert not w.fake.threads_in(w.threads)
    for user, other in ((w.mentee, w.ana), (w.ana, w.mentee)):
        intro = w.dms(user)[-1].text
        assert "/support" in intro and f"<@{other.id}>" in intro


async def test_consent_buttons_work_after_a_restart(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> None:
    runner = await start_bot(features=("settings", "mentoring"))
    w = await _world(fake_discord, server, runner, clock)
    await propose(w)
    await answer(w, w.mentee, True)
    await runner.stop()
    w.runner = await start_bot(features=("settings", "mentoring"))
    await answer(w, w.ana, True)
    [thread] = w.fake.threads_in(w.threads)
    assert set(thread.member_ids) == {w.fake.bot_user.id, w.mentee.id, w.ana.id}
    # and the check-in is armed again from the database after another restart
    match_id = await w.count("SELECT id FROM mentoring_matches")
    await w.runner.stop()
    w.runner = await start_bot(features=("settings", "mentoring"), sync=False)
    assert w.runner.bot is not None
    assert w.runner.bot.scheduler.get_job(f"mentoring:checkin:{match_id}") is not None


async def _world(
    fake: FakeDiscord, server: Server, runner: BotRunner, clock: FakeClock, *, channels: bool = True
) -> World:
    mentee = server.member
    ana, ben = fake.create_user("ana"), fake.create_user("ben")
    fake.add_member(server.guild, ana)
    fake.add_member(server.guild, ben)
    threads = fake.create_text_channel(server.guild, "peer-support")
    notices = fake.create_text_channel(
        server.guild, "coordinators", overwrites=private_overwrites(server)
    )
    bot = runner.bot
    assert bot is not None
    await bot.guild_settings.set_moderator_role(server.guild.id, server.moderator_role.id, 0)
    w = World(fake, server, runner, clock, mentee, ana, ben, threads, notices)
    if channels:
        options: dict[str, Any] = {"threads": threads.id, "notices": notices.id}
        res = await w.slash(server.admin, "mentor setup channels", **options)
        assert res.ephemeral and "Pairings open under" in res.text
    return w
