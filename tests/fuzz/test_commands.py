"""Every slash command, as a member, a leader, a moderator and an admin would type it, with
Hypothesis choosing the options (tests/fuzz/strategies.py), and every form a command opens
filled in the same way.

The commands come from the bot's loaded command tree, so a new command is fuzzed as soon as it
is added. For each call (tests/fuzz/observe.py): no unhandled error (the handler's generic
apology, an error logged, an interaction left unanswered); a refusal is ephemeral, kind and
non-empty; a refusal writes nothing to the database and changes nothing in Discord.

FUZZ_EXAMPLES (default 2) is the number of examples per command and person for the commands
that person may run (commands above them get one: the refusal is the same whatever the
options); the `slow` run (`-m slow`, left out of the everyday suite; about two and a half
minutes) takes FUZZ_SLOW_EXAMPLES (default 10) for every command and every person.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyFailure

from bot.checks import Audience
from tests.conftest import StartBot
from tests.fakediscord import FakeDiscord
from tests.fakediscord.errors import InteractionRefused
from tests.fakediscord.interactions import InteractionResult
from tests.fakediscord.models import JSON, User
from tests.fuzz import strategies as S
from tests.fuzz.observe import Observer, before, form_name, problems
from tests.fuzz.world import World, build_world
from tests.harness import BotRunner, Server, busy_tasks

T = TypeVar("T")

AUDIENCES = {
    "member": Audience.MEMBER,
    "leader": Audience.LEADER,
    "moderator": Audience.MODERATOR,
    "admin": Audience.ADMIN,
}

# Known failures another branch fixes, by command: which options show it (none now).
KNOWN_ELSEWHERE: dict[str, Callable[[dict[str, Any]], bool]] = {}


@dataclass(frozen=True)
class Leaf:
    """One runnable slash command (a subcommand path) and its options as Discord has them."""

    path: str
    options: tuple[JSON, ...]
    audience: Audience


def leaves(runner: BotRunner) -> list[Leaf]:
    """Every slash command and subcommand of every loaded feature, from the command tree."""
    bot = runner.bot
    assert bot is not None
    audience = {
        c.qualified_name: Audience(c.extras.get("audience", Audience.MEMBER))
        for c in bot.tree.walk_commands()
    }
    found: list[Leaf] = []

    def walk(path: str, options: list[JSON]) -> None:
        subs = [o for o in options if o["type"] in (1, 2)]
        if not subs:
            found.append(Leaf(path, tuple(options), audience.get(path, Audience.MEMBER)))
        for sub in subs:
            walk(f"{path} {sub['name']}", list(sub.get("options") or []))

    for command in bot.tree.get_commands():
        data = command.to_dict(bot.tree)
        if data.get("type", 1) == 1:
            walk(data["name"], list(data.get("options") or []))
    return found


def examples() -> int:
    return int(os.environ.get("FUZZ_EXAMPLES", "2"))


class Fuzz:
    """Runs the bot's calls on the test's event loop from the Hypothesis thread."""

    def __init__(
        self,
        fake: FakeDiscord,
        runner: BotRunner,
        world: World,
        observer: Observer,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.fake, self.runner, self.world, self.observer, self.loop = (
            fake,
            runner,
            world,
            observer,
            loop,
        )
        self.cases = 0
        self.modals: set[str] = set()
        self.refusals = 0
        self.known = 0  # failures KNOWN_ELSEWHERE

    def run(self, coro: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)  # type: ignore[arg-type]

    async def settle(self) -> None:
        """The bot's work done without a gateway barrier (each costs a gateway send, and
        discord.py allows 110 a minute): commands, listeners, spawned tasks, the outbox."""
        bot = self.runner.bot
        assert bot is not None
        for _ in range(2):
            while busy := busy_tasks():
                await asyncio.wait(busy)
                await asyncio.sleep(0)
            await bot.dispatcher.drain()

    async def call(
        self, act: Callable[[], Awaitable[InteractionResult]]
    ) -> tuple[InteractionResult | None, list[str]]:
        await self.settle()
        path = self.runner.settings.database_path
        start = await before(self.fake, path, self.observer)
        try:
            result = await act()
        except InteractionRefused:
            return None, []  # Discord would not let a person send this: nothing to check
        await self.settle()
        self.cases += 1
        if self.observer.verdicts[start.verdicts :]:
            self.refusals += 1
        return result, await problems(self.fake, path, self.observer, start, result)

    # ------------------------------------------------------------------ drawing options
    def option_value(self, data: st.DataObject, leaf: Leaf, opt: JSON, user: User) -> Any:
        t, name = int(opt["type"]), str(opt["name"])
        timeish = name in S.TIME_NAMES
        if opt.get("choices"):
            return data.draw(S.choice_of([c["value"] for c in opt["choices"]]), label=name)
        if t == 3:
            high = int(opt.get("max_length", S.DISCORD_STRING_MAX))
            low = int(opt.get("min_length", 0))
            typed = data.draw(S.text_for(high, low, timeish=timeish), label=f"{name} (typed)")
            if not opt.get("autocomplete"):
                return typed
            offered = self.run(self.offered(leaf, name, typed[:100], user))
            pool = [str(c["value"]) for c in offered]
            pool += [str(g) for g in self.world.groups.values()] + S.IDS
            pool = [p for p in pool if low <= len(p) <= high]
            if data.draw(st.booleans(), label=f"{name}: as typed"):
                return typed
            return S.pick(data, pool, name)
        if t == 4:
            return data.draw(S.integer_for(opt.get("min_value"), opt.get("max_value")), label=name)
        if t == 10:
            return data.draw(S.number_for(opt.get("min_value"), opt.get("max_value")), label=name)
        if t == 5:
            return data.draw(st.booleans(), label=name)
        if t == 6:
            return S.pick(data, [u.id for u in self.world.users(self.fake)], name)
        if t == 7:
            seen = self.world.channels(self.fake, user, opt.get("channel_types"))
            return S.pick(data, [c.id for c in seen], name)
        if t in (8, 9):
            pool: list[Any] = list(self.world.roles())
            if t == 9:
                pool += self.world.users(self.fake)
            return S.pick(data, [p.id for p in pool], name)
        raise AssertionError(f"/{leaf.path}: option type {t} has no strategy yet")

    async def offered(self, leaf: Leaf, name: str, typed: str, user: User) -> list[JSON]:
        """The autocomplete choices `user` sees while typing `typed` (checked like a call)."""
        where = self.world.server.general
        choices: list[JSON] = []

        async def ask() -> InteractionResult:
            choices[:] = await self.fake.autocomplete(
                user, leaf.path, focused=name, value=typed, guild=self.world.guild, channel=where
            )
            return InteractionResult(0, 4, user=user, guild=self.world.guild, channel=where)

        _, found = await self.call(ask)
        # An autocomplete answers with choices, never a message: only errors count here.
        found = [f for f in found if "never answered" not in f]
        assert not found, f"autocomplete of {name!r} on /{leaf.path}: {found}"
        return choices

    # ------------------------------------------------------------------ one example
    def example(self, data: st.DataObject, leaf: Leaf, user: User) -> None:
        options: dict[str, Any] = {}
        for opt in leaf.options:
            if opt.get("required") or data.draw(st.booleans(), label=f"give {opt['name']}"):
                options[str(opt["name"])] = self.option_value(data, leaf, opt, user)
        channel = S.pick(data, self.world.where(self.fake, user), "channel")
        # Drawn now, whether a form opens or not: what is drawn must not depend on the bot's
        # state (Hypothesis replays a prefix and expects the same draws).
        typed = [data.draw(S.text_for(4000), label=f"form input {i}") for i in range(3)]

        async def slash() -> InteractionResult:
            return await self.fake.slash(
                user, leaf.path, guild=self.world.guild, channel=channel, options=options
            )

        result, found = self.run(self.call(slash))
        if found and KNOWN_ELSEWHERE.get(leaf.path, lambda _: False)(options):
            self.known += 1
            return
        assert not found, f"/{leaf.path} {options}: {found}"
        if result is None or result.modal is None:
            return
        modal = result.modal
        self.modals.add(form_name(self.runner.bot, modal.custom_id))
        values = S.form_values(modal.inputs(), typed)

        async def submit() -> InteractionResult:
            return await self.fake.submit_modal(user, result, values)

        _, found = self.run(self.call(submit))
        assert not found, f"/{leaf.path} {options}, form {values}: {found}"


def fuzz_one(fuzz: Fuzz, leaf: Leaf, user: User, count: int) -> str | None:
    """Run `count` examples of `leaf` as `user`; the first failure's description, or None."""

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate]
        + ([Phase.shrink] if os.environ.get("FUZZ_SHRINK") else []),
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )
    @given(data=st.data())
    def property_(data: st.DataObject) -> None:
        fuzz.example(data, leaf, user)

    try:
        property_()
    except AssertionError as error:
        return str(error)
    except FlakyFailure as error:
        # The bot's state moved on (a group joined, a setting set) and the replay passed: the
        # first failure was real all the same.
        return "\n".join(str(e) for e in error.exceptions)
    return None


async def fuzz_commands(
    fake: FakeDiscord,
    start_bot: StartBot,
    server: Server,
    monkeypatch: pytest.MonkeyPatch,
    people: list[str],
    per_command: int,
) -> None:
    stranger = fake.create_user("stranger")
    other = fake.create_guild("Elsewhere", owner=stranger)
    fake.create_text_channel(other, "lobby")
    fake.create_role(other, "Far role")
    observer = Observer()
    runner = await start_bot()
    world = await build_world(fake, runner, server, other)
    observer.attach(monkeypatch)
    fuzz = Fuzz(fake, runner, world, observer, asyncio.get_running_loop())
    began = time.monotonic()
    failures: list[str] = []
    commands = leaves(runner)
    try:
        for who in people:
            user = world.people[who]
            for leaf in commands:
                count = per_command if leaf.audience <= AUDIENCES[who] else 1
                failure = await asyncio.to_thread(fuzz_one, fuzz, leaf, user, count)
                if failure is not None:
                    failures.append(f"as {who}: {failure}")
    finally:
        observer.detach()
    assert runner.bot is not None
    kinds = {kind.prefix for kind in runner.bot.modals.kinds()}
    print(
        f"\nkit forms not opened by a command (a button opens them): {sorted(kinds - fuzz.modals)}"
    )
    print(
        f"\nfuzz: {len(commands)} commands x {people}: {fuzz.cases} calls"
        f" ({fuzz.refusals} refused, {fuzz.known} known elsewhere), forms {sorted(fuzz.modals)},"
        f" {time.monotonic() - began:.1f}s"
    )
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("who", list(AUDIENCES))
@pytest.mark.sqlite_only
async def test_every_command_as(
    who: str,
    fake_discord: FakeDiscord,
    start_bot: StartBot,
    server: Server,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await fuzz_commands(fake_discord, start_bot, server, monkeypatch, [who], examples())


@pytest.mark.slow
async def test_every_command_at_length(
    fake_discord: FakeDiscord,
    start_bot: StartBot,
    server: Server,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    count = int(os.environ.get("FUZZ_SLOW_EXAMPLES", "10"))
    await fuzz_commands(fake_discord, start_bot, server, monkeypatch, list(AUDIENCES), count)
