"""Members' data rights (issue 18): a server where a member has left a trace in every feature,
put there through the bot as people would (commands, buttons, forms, messages), with the bot
on a clock the test drives."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from bot.client import Bot
from cogs.privacy.cog import PrivacyCog
from tests.conftest import FakeClock, StartBot
from tests.fakediscord import FakeDiscord
from tests.fakediscord.interactions import InteractionResult
from tests.fakediscord.models import Channel, User
from tests.groups.conftest import group_named
from tests.harness import BotRunner, Server, wait_until
from tests.meetings.conftest import announcements, make_group, person, schedule, settle

START = datetime(2027, 2, 20, 15, 0, tzinfo=UTC)
REPORT_MENU = "Report to moderators"
VIEW_CHANNEL = 1 << 10


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@dataclass
class World:
    fake: FakeDiscord
    server: Server
    runner: BotRunner
    clock: FakeClock
    mod_log: Channel
    lena: User  # leads Survivors and Caregivers
    anna: User  # the member whose data is exported and erased
    bea: User
    survivors: int
    room: Channel  # Survivors' channel

    @property
    def bot(self) -> Bot:
        assert self.runner.bot is not None
        return self.runner.bot

    @property
    def privacy(self) -> PrivacyCog:
        cog = self.bot.get_cog("Privacy")
        assert cog is not None and type(cog).__name__ == "PrivacyCog"
        return cast(PrivacyCog, cog)

    async def slash(self, user: User, command: str, **options: Any) -> InteractionResult:
        return await self.fake.slash(
            user, command, guild=self.server.guild, channel=self.server.general, options=options
        )

    async def count(self, sql: str, **params: Any) -> int:
        return int(await self.bot.db.fetchval(sql, params) or 0)

    def exported(self, user: User) -> dict[str, Any]:
        """The last export file the bot uploaded for `user` (by DM or as a private reply)."""
        name = f"my-data-{self.server.guild.id}.json"
        uploads = [r for r in self.fake.requests if name in r.file_data]
        assert uploads, "no export file was sent"
        document = json.loads(uploads[-1].file_data[name])
        assert document["member_id"] == str(user.id)
        return document


async def join_with_agreement(w: World, user: User, group_id: int) -> InteractionResult:
    res = await w.slash(user, "group join", group=str(group_id))
    agree = [c for c in res.message.custom_ids() if ":agree:" in c]
    if agree:
        res = await w.fake.click(user, res.message, agree[0])
    return res


async def report(w: World, reporter: User, message: Any, reason: str) -> None:
    opened = await w.fake.message_command(reporter, REPORT_MENU, message)
    assert opened.modal is not None, opened
    done = await w.fake.submit_modal(reporter, opened, {"reason": reason})
    assert done.ephemeral and "Thank you" in done.text, done


async def build_world(start_bot: StartBot, fake: FakeDiscord, s: Server, clock: FakeClock) -> World:
    """Anna leaves a trace in every feature: a group (agreement accepted, a first post), a
    waitlist place, a join request, an RSVP, a warning, a report she made and one about her,
    and a support case."""
    runner = await start_bot()  # every feature, as in production
    mod_log = fake.create_text_channel(
        s.guild,
        "mod-log",
        overwrites=[
            {"id": s.guild.id, "type": 0, "deny": VIEW_CHANNEL},
            {"id": s.moderator_role.id, "type": 0, "allow": VIEW_CHANNEL},
            {"id": s.guild.bot_role_id, "type": 0, "allow": VIEW_CHANNEL},
        ],
    )
    for command, options in (
        ("setup moderator-role", {"role": s.moderator_role.id}),
        ("setup escalation-channel", {"channel": s.private.id}),
        ("setup mod-log-channel", {"channel": mod_log.id}),
    ):
        res = await fake.slash(s.admin, command, guild=s.guild, channel=s.general, options=options)
        assert res.ephemeral, (command, res)
    lena, anna, bea = (person(fake, s, n) for n in ("lena", "anna", "bea"))
    survivors = await make_group(runner, fake, s, "Survivors", lena)
    await make_group(runner, fake, s, "Caregivers", lena, capacity=1)
    await make_group(runner, fake, s, "Young adults", lena, access="restricted")
    caregivers = await group_named(runner, s, "Caregivers")
    young = await group_named(runner, s, "Young adults")
    assert survivors.channel_id is not None
    room = fake.channel(survivors.channel_id)
    w = World(fake, s, runner, clock, mod_log, lena, anna, bea, survivors.id, room)

    for user in (anna, bea):
        await join_with_agreement(w, user, survivors.id)
        await wait_until(lambda u=user: survivors.role_id in fake.member(s.guild, u).roles)
    await join_with_agreement(w, bea, caregivers.id)
    await join_with_agreement(w, anna, caregivers.id)  # full: the waitlist
    await w.slash(anna, "group join", group=str(young.id))  # restricted: a request
    await runner.idle()

    hello = await fake.send_message(anna, room, "Hello everyone, I'm new here")
    rude = await fake.send_message(bea, room, "Nobody cares about your scan")
    await schedule(fake, s, lena, survivors.id, title="Circle", when="2027-03-02 18:00")
    await settle(runner)
    [post] = announcements(fake, room.id)
    going = next(c for c in post.custom_ids() if c.endswith(":going"))
    await fake.click(anna, fake.message(post.id), going)

    res = await w.slash(s.moderator, "warn", member=anna.id, reason="Please keep it kind")
    assert "case #" in res.text, res
    await report(w, anna, rude, "Unkind to me")
    await report(w, bea, hello, "Spam?")

    res = await w.slash(anna, "support")
    assert res.modal is not None
    done = await fake.submit_modal(anna, res, {"words": "I feel so alone since my diagnosis"})
    assert done.ephemeral, done
    await runner.idle()
    await wait_until(lambda: any(m.embeds for m in fake.messages_in(s.private)))
    return w


@pytest.fixture
async def world(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server, clock: FakeClock
) -> World:
    return await build_world(start_bot, fake_discord, server, clock)


async def close_everything(w: World) -> None:
    """The moderators close what is open: each report (Resolve) and each crisis case (Resolve,
    with a note), through their buttons in the private channels."""
    for channel in (w.server.private, w.mod_log):
        for message in w.fake.messages_in(channel, include_system=False):
            live = w.fake.message(message.id)
            for custom_id in live.custom_ids():
                if custom_id.startswith("moderation:report:resolve:"):
                    res = await w.fake.click(w.server.moderator, live, custom_id)
                    assert "Resolved by" in res.text, res
                elif custom_id.startswith("escalation:resolve:"):
                    modal = await w.fake.click(w.server.moderator, live, custom_id)
                    assert modal.modal is not None, modal
                    await w.fake.submit_modal(
                        w.server.moderator, modal, {"note": "Called her; she is safe."}
                    )
    await w.runner.idle()


async def run_jobs(w: World, *job_ids: str) -> None:
    """Run the named scheduler jobs now, as the scheduler would at the clock's time."""
    for job_id in job_ids:
        job = w.bot.scheduler.get_job(job_id)
        assert job is not None, f"the job {job_id} is armed"
        await job.func(*job.args)
    await w.runner.idle()


RETENTION_JOBS = (
    "escalation:purge",
    "escalation:forget",
    "moderation:purge",
    "moderation:forget",
    "privacy:forget",
)
