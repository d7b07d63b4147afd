"""The real bot against the loopback Discord, with only the feedback feature, a clock the test
drives and the stand-in groups directory; helpers that act as people do (create a poll, vote,
close)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Protocol, cast

import pytest

from bot.__main__ import QUIET_LIBRARIES, quiet_libraries
from bot.client import Bot
from cogs.feedback.cog import FeedbackCog
from cogs.feedback.poll_board import PollBoardCog
from tests.conftest import StartBot
from tests.fakediscord import FakeDiscord, InteractionResult
from tests.fakediscord.models import Channel, Guild, Message, User
from tests.feedback.standin_groups import StandInGroups, install_groups
from tests.harness import BotRunner, Server

# Setting the moderator role writes a mod-log line, which the moderation feature renders; setting
# the mod-log channel also posts the settings feature's note there (use_mod_log).
FEATURES = ("moderation", "feedback")
WITH_MOD_LOG = ("settings", "moderation", "feedback")


@pytest.fixture
def groups() -> StandInGroups:
    return StandInGroups()


@pytest.fixture
def people(fake_discord: FakeDiscord, server: Server) -> list[User]:
    """Six more members of the server (they may vote in polls for everyone)."""
    return add_people(fake_discord, server, 6)


def add_people(fake: FakeDiscord, server: Server, count: int, prefix: str = "p") -> list[User]:
    users = []
    for i in range(count):
        user = fake.create_user(f"{prefix}{i}")
        fake.add_member(server.guild, user)
        users.append(user)
    return users


class StartFeedback(Protocol):
    async def __call__(self, features: Iterable[str] = FEATURES, *, sync: bool = True) -> BotRunner:
        """Start the bot (again, on the same file, to restart it)."""
        ...


@pytest.fixture
def bot_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Everything the bot logs when run with LOG_LEVEL=DEBUG (python -m bot quiets the same
    libraries the same way)."""
    saved = {name: logging.getLogger(name).level for name in QUIET_LIBRARIES}
    caplog.set_level(logging.DEBUG)
    quiet_libraries("DEBUG")
    try:
        yield caplog
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture
def start_feedback(start_bot: StartBot, groups: StandInGroups, server: Server) -> StartFeedback:
    """Start, or restart on the same database file, the bot with the feedback feature (or the
    features named), the stand-in groups and the server's moderator role; stopped at the end."""

    async def start(features: Iterable[str] = FEATURES, *, sync: bool = True) -> BotRunner:
        runner = await start_bot(features, sync=sync, prepare=install_groups(groups))
        bot = the_bot(runner)
        poll_board(bot).refresh_seconds = 0.02
        await bot.guild_settings.set_moderator_role(
            server.guild.id, server.moderator_role.id, server.admin.id
        )
        return runner

    return start


@pytest.fixture
async def bot_runner(start_feedback: StartFeedback, people: list[User]) -> BotRunner:
    """The bot with the feedback feature, once the `people` have joined the server."""
    return await start_feedback()


@pytest.fixture
async def mod_log_runner(
    start_feedback: StartFeedback, people: list[User], server: Server
) -> BotRunner:
    """`bot_runner` with the moderators' private mod-log channel set (feedback goes there)."""
    runner = await start_feedback(WITH_MOD_LOG)
    await use_mod_log(runner, server)
    return runner


def the_bot(runner: BotRunner) -> Bot:
    assert runner.bot is not None
    return runner.bot


def feedback_cog(bot: Bot) -> FeedbackCog:
    return cast(FeedbackCog, bot.get_cog("Feedback"))


def poll_board(bot: Bot) -> PollBoardCog:
    return cast(PollBoardCog, bot.get_cog("Poll board"))


def bot_messages(fake: FakeDiscord, channel: Channel) -> list[Message]:
    return [
        m
        for m in fake.messages_in(channel.id, include_system=False)
        if m.author.id == fake.bot_user.id
    ]


def polls_in(fake: FakeDiscord, channel: Channel) -> list[Message]:
    return [
        m
        for m in bot_messages(fake, channel)
        if any(cid.startswith("feedback:vote:") for cid in m.custom_ids())
    ]


def results_in(fake: FakeDiscord, channel: Channel) -> list[Message]:
    return [
        m
        for m in bot_messages(fake, channel)
        if m.embeds and m.embeds[0].get("title") == "Poll results"
    ]


def poll_id_of(message: Message) -> int:
    return int(message.custom_ids()[0].split(":")[2])


async def create_poll(
    fake: FakeDiscord,
    user: User,
    guild: Guild,
    channel: Channel,
    options: str,
    *,
    question: str = "How did this month's sessions feel?",
    closes_in: str | None = None,
    group: int | None = None,
) -> InteractionResult:
    """/poll create, then the options modal. Returns the modal's answer."""
    values: dict[str, object] = {"question": question}
    if closes_in is not None:
        values["closes-in"] = closes_in
    if group is not None:
        values["group"] = str(group)
    asked = await fake.slash(user, "poll create", guild=guild, channel=channel, options=values)
    if asked.modal is None:
        return asked
    return await fake.submit_modal(user, asked, {"feedback:poll-options:text": options})


async def open_poll(
    fake: FakeDiscord, user: User, server: Server, options: str = "Yes\nNo\nNot sure", **kw
) -> Message:
    channel = kw.pop("channel", server.general)
    before = len(polls_in(fake, channel))
    done = await create_poll(fake, user, server.guild, channel, options, **kw)
    assert done.ephemeral and "Your poll is posted" in done.text, done
    return polls_in(fake, channel)[before]


async def vote(
    fake: FakeDiscord, user: User, poll: Message, position: int, *, timeout: float | None = None
) -> InteractionResult:
    """Press an option, then confirm in the private question. `timeout`: how long to wait for
    a deferred answer (the fake's default otherwise)."""
    pressed = await press(fake, user, poll, position, timeout=timeout)
    confirm = [c for c in pressed.message.custom_ids() if c.startswith("feedback:confirm:")]
    assert confirm, pressed.text
    return await fake.click(user, pressed.message, confirm[0], timeout=timeout)


async def press(
    fake: FakeDiscord, user: User, poll: Message, position: int, *, timeout: float | None = None
) -> InteractionResult:
    return await fake.click(
        user, poll, f"feedback:vote:{poll_id_of(poll)}:{position}", timeout=timeout
    )


async def fire_close(bot: Bot, poll_id: int) -> None:
    """The scheduler's closing job, run now as the scheduler runs a date job: once, then gone
    (the test's clock says it is time). What it sends goes through the outbox: `idle()`."""
    job = bot.scheduler.get_job(f"feedback:poll-close:{poll_id}")
    assert job is not None, "no closing job for the poll"
    job.remove()
    await job.func(*job.args)


async def send_feedback(
    fake: FakeDiscord, user: User, server: Server, text: str, group: int | None = None
) -> InteractionResult:
    options = {"group": str(group)} if group is not None else {}
    asked = await fake.slash(
        user, "feedback", guild=server.guild, channel=server.general, options=options
    )
    if asked.modal is None:
        return asked
    return await fake.submit_modal(user, asked, {"feedback:text:body": text})


def digests(fake: FakeDiscord, channel: Channel) -> list[Message]:
    return [
        m
        for m in bot_messages(fake, channel)
        if m.embeds and "anonymous message" in str(m.embeds[0].get("title"))
    ]


async def use_mod_log(runner: BotRunner, server: Server) -> None:
    await the_bot(runner).guild_settings.set_private_channel(
        server.guild.id, "mod_log", server.private.id, server.admin.id
    )
