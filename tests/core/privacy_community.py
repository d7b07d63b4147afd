"""A server where the health-related flows can all happen (issue 18's log and escaping tests):
the real groups, moderation, escalation and feedback features, /setup done by the admin, a
group "Survivors" led by Lena with Pia in it, and helpers that act as people do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from bot.client import Bot
from tests.conftest import StartBot
from tests.escalation.conftest import private_overwrites
from tests.fakediscord import FakeDiscord, InteractionResult
from tests.fakediscord.models import Channel, Message, User
from tests.groups.conftest import create_group, group_named
from tests.harness import BotRunner, Server, wait_until

FEATURES = ("settings", "groups", "confidentiality", "moderation", "escalation", "feedback")
REPORT_MENU = "Report to moderators"


@dataclass
class PrivacyCommunity:
    fake: FakeDiscord
    server: Server
    runner: BotRunner
    mod_log: Channel
    leader: User
    peer: User  # joins the group in the test
    group_id: int
    group_channel: Channel

    @property
    def bot(self) -> Bot:
        assert self.runner.bot is not None
        return self.runner.bot

    @property
    def people(self) -> list[User]:
        s = self.server
        return [s.admin, s.moderator, s.member, self.leader, self.peer]

    async def settle(self) -> None:
        await self.runner.idle()

    async def slash(
        self, user: User, command: str, channel: Channel | None = None, /, **options: Any
    ) -> InteractionResult:
        return await self.fake.slash(
            user,
            command,
            guild=self.server.guild,
            channel=channel or self.server.general,
            options=options,
        )

    def bot_messages(self, channel: Channel) -> list[Message]:
        return [
            m
            for m in self.fake.messages_in(channel, include_system=False)
            if m.author.id == self.fake.bot_user.id
        ]

    def alerts(self) -> list[Message]:
        return [m for m in self.bot_messages(self.server.private) if m.embeds]

    async def join(self, user: User) -> str:
        """/group join, then "I agree" to the confidentiality agreement."""
        res = await self.slash(user, "group join", group=str(self.group_id))
        if res.message is not None:
            agree = [c for c in res.message.custom_ids() if c.startswith("confidentiality:agree:")]
            if agree:
                res = await self.fake.click(user, res.message, agree[0])
                await res.wait_for(lambda r: bool(r.followups))
                return res.followups[-1].text
        return res.text

    async def leave(self, user: User) -> str:
        return (await self.slash(user, "group leave", group=str(self.group_id))).text

    async def crisis_message(self, user: User, text: str) -> Message:
        before = len(self.alerts())
        message = await self.fake.send_message(user, self.group_channel, text)
        await wait_until(lambda: len(self.alerts()) > before)
        return message

    async def support(self, user: User, words: str) -> InteractionResult:
        asked = await self.slash(user, "support", self.group_channel)
        assert asked.modal is not None, asked
        return await self.fake.submit_modal(user, asked, {"words": words})

    async def report(self, reporter: User, message: Message, reason: str) -> str:
        opened = await self.fake.message_command(reporter, REPORT_MENU, message)
        assert opened.modal is not None, opened
        done = await self.fake.submit_modal(reporter, opened, {"reason": reason})
        assert done.ephemeral, done
        return done.text

    async def feedback(self, user: User, text: str, *, to_group: bool = True) -> str:
        options = {"group": str(self.group_id)} if to_group else {}
        asked = await self.slash(user, "feedback", **options)
        assert asked.modal is not None, asked
        done = await self.fake.submit_modal(user, asked, {"feedback:text:body": text})
        return done.text

    async def deliver_feedback(self) -> None:
        """The daily digest job, run now."""
        cog = self.bot.get_cog("Feedback")
        assert cog is not None
        await cast(Any, cog)._daily()
        await self.settle()


async def start_privacy_community(
    start_bot: StartBot, fake: FakeDiscord, server: Server
) -> PrivacyCommunity:
    s = server
    mod_log = fake.create_text_channel(s.guild, "mod-log", overwrites=private_overwrites(s))
    leader = fake.create_user("lenaquist")
    peer = fake.create_user("piavaleska")
    for user in (leader, peer):
        fake.add_member(s.guild, user)
    runner = await start_bot(FEATURES)
    for command, options in (
        ("setup moderator-role", {"role": s.moderator_role.id}),
        ("setup escalation-channel", {"channel": s.private.id}),
        ("setup mod-log-channel", {"channel": mod_log.id}),
        ("setup region", {"region": "GB"}),
    ):
        res = await fake.slash(s.admin, command, guild=s.guild, channel=s.general, options=options)
        assert res.ephemeral, (command, res)
    await create_group(fake, s, "Survivors", leader)
    group = await group_named(runner, s, "Survivors")
    assert group.channel_id is not None
    community = PrivacyCommunity(
        fake, s, runner, mod_log, leader, peer, group.id, fake.channel(group.channel_id)
    )
    assert "Welcome" in await community.join(s.member)
    await community.settle()
    return community
