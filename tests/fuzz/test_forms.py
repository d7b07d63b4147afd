"""Every form (modal) the bot opens from a button or a context menu, filled in by Hypothesis,
and every button on the bot's messages pressed by each audience along the way.

The server is brought to where those forms appear, as people would: a newcomer asks to join a
group that needs approval (the leaders' Approve / Decline), a member asks for help with /support
in words that raise an alert (the moderators' Claim / Resolved / False alarm), and a member's
message is there to report ("Report to moderators"). Then every button of every message the bot
sent is pressed by a member, a leader, a moderator and an admin, in that order (a message's
buttons last first: Decline and False alarm ask for words, Approve and Claim would close them),
and every message command is used on a member's message; each form that opens is filled
FUZZ_EXAMPLES times (reopened each time while it still can be). Each press and each answer is
checked like a command (tests/fuzz/observe.py).

The forms a slash command opens are opened here too, with options that let them open
(FORMS_OF_COMMANDS), and filled the same way. At the end, every form of every loaded feature has
been reached: a new form nobody can reach from here fails this test.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyFailure

import bot.ui
from bot.kit.modals import PersistentModal
from tests.conftest import FakeClock, StartBot
from tests.fakediscord import FakeDiscord
from tests.fakediscord.interactions import InteractionResult
from tests.fakediscord.models import Message, User, iter_components
from tests.fuzz import strategies as S
from tests.fuzz.observe import Observer, form_name
from tests.fuzz.test_commands import Fuzz, examples
from tests.fuzz.world import build_world
from tests.harness import Server

# Forms a slash command opens, by form name: who opens it, the command and its options (with
# "{group}" for the group this person belongs to or leads). test_commands.py reaches them with
# drawn options too; here each is opened and filled every run.
FORMS_OF_COMMANDS: dict[str, tuple[str, str, dict[str, str]]] = {
    "escalation:support": ("member", "support", {}),
    "feedback:text": ("member", "feedback", {"group": "{group}"}),
    "feedback:poll": ("leader", "poll create", {"question": "How was today?", "group": "{group}"}),
    "GuidelinesModal": ("leader", "guidelines set", {"group": "{group}"}),
    "AgreementModal": ("admin", "confidentiality set", {}),
    "mentoring:about": ("member", "mentor about", {}),
    "mentoring:note": ("member", "mentor note", {}),
}

Opener = Callable[[], Awaitable[InteractionResult]]


def every_form(bot_: object) -> set[str]:
    """The forms of the loaded features: kit forms by prefix, the others by class name."""
    kit = {kind.prefix for kind in bot_.modals.kinds()}  # type: ignore[attr-defined]
    others: set[str] = set()
    stack = list(bot.ui.BaseModal.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if not issubclass(cls, PersistentModal) and cls.__module__.startswith("cogs."):
            others.add(cls.__name__)
    return kit | others


def fill(fuzz: Fuzz, user: User, opener: Opener, count: int) -> str | None:
    """Open the form with `opener` and answer it, `count` times; the first failure or None."""

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def property_(data: st.DataObject) -> None:
        typed = [data.draw(S.text_for(4000), label=f"form input {i}") for i in range(3)]
        opened, found = fuzz.run(fuzz.call(opener))
        assert not found, f"opening the form: {found}"
        if opened is None or opened.modal is None:
            return  # it cannot open again (the request was answered, the case closed)
        values = S.form_values(opened.modal.inputs(), typed)

        async def submit() -> InteractionResult:
            return await fuzz.fake.submit_modal(user, opened, values)

        _, found = fuzz.run(fuzz.call(submit))
        assert not found, f"form {values}: {found}"

    try:
        property_()
    except AssertionError as error:
        return str(error)
    except FlakyFailure as error:
        return "\n".join(str(e) for e in error.exceptions)
    return None


@pytest.mark.sqlite_only
async def test_every_form_behind_a_button_or_menu(
    fake_discord: FakeDiscord,
    start_bot: StartBot,
    server: Server,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = fake_discord
    stranger = fake.create_user("stranger")
    other = fake.create_guild("Elsewhere", owner=stranger)
    fake.create_text_channel(other, "lobby")
    runner = await start_bot()
    world = await build_world(fake, runner, server, other)
    assert runner.bot is not None
    await runner.bot.guild_settings.set_private_channel(
        server.guild.id, "escalation", server.private.id, 0
    )
    newcomer = fake.create_user("nico")
    fake.add_member(server.guild, newcomer)
    await runner.idle()
    # A newcomer asks to join the group that needs approval: the leaders' Approve / Decline.
    asking = await fake.slash(
        newcomer,
        "group join",
        guild=world.guild,
        channel=server.general,
        options={"group": str(world.groups["Approval Circle"])},
    )
    agree = [c for c in asking.message.custom_ids() if ":agree:" in c]
    if agree:  # the confidentiality agreement comes first
        await fake.click(newcomer, asking.message, agree[0])
    # A member asks for help in words that raise an alert: the moderators' buttons.
    asked = await fake.slash(server.member, "support", guild=world.guild, channel=server.general)
    assert asked.modal is not None
    await fake.submit_modal(
        server.member, asked, {"words": "I want to end my life tonight, I have the pills"}
    )
    # Something to report.
    posted = await fake.send_message(newcomer, server.general, "see you all on Tuesday")
    # A member of Open Circle the leader will record as remembered (/care remember's preview).
    rosa = fake.create_user("rosa")
    fake.add_member(server.guild, rosa)
    joined = await fake.slash(
        rosa,
        "group join",
        guild=world.guild,
        channel=server.general,
        options={"group": str(world.groups["Open Circle"])},
    )
    agree = [c for c in joined.message.custom_ids() if ":agree:" in c]
    if agree:
        await fake.click(rosa, joined.message, agree[0])
    await runner.idle()

    observer = Observer()
    observer.attach(monkeypatch)
    loop = asyncio.get_running_loop()
    fuzz = Fuzz(fake, runner, world, observer, loop)
    count = examples()
    reached: set[str] = set()
    failures: list[str] = []
    people = [(who, world.people[who]) for who in ("member", "leader", "moderator", "admin")]
    began = time.monotonic()

    async def explore(who: str, user: User, opener: Opener, what: str) -> None:
        opened, found = await fuzz.call(opener)
        if found:
            failures.append(f"{what} as {who}: {found}")
        if opened is None or opened.modal is None:
            return
        reached.add(form_name(runner.bot, opened.modal.custom_id))
        # That form stays open unanswered (a person closing it): then fill it afresh.
        failure = await asyncio.to_thread(fill, fuzz, user, opener, count)
        if failure is not None:
            failures.append(f"{what} as {who}: {failure}")

    try:
        group = str(world.groups["Open Circle"])
        for form, (who, command, options) in FORMS_OF_COMMANDS.items():
            user = world.people[who]
            given_options = {k: v.replace("{group}", group) for k, v in options.items()}

            def run(
                user: User = user, command: str = command, given: dict[str, str] = given_options
            ) -> Awaitable[InteractionResult]:
                return fake.slash(
                    user, command, guild=world.guild, channel=server.general, options=given
                )

            before = set(reached)
            await explore(who, user, run, f"/{command}")
            if reached == before:
                failures.append(f"/{command} as {who} opened no form (expected {form})")
        # /care remember: Edit on the leader's private preview opens the group's message.
        leader = world.people["leader"]
        preview = await fake.slash(
            leader,
            "care remember",
            guild=world.guild,
            channel=server.general,
            options={"member": rosa.id, "group": group},
        )
        edit = next(c for c in preview.message.custom_ids() if c.startswith("storms:edit:"))

        def press_edit() -> Awaitable[InteractionResult]:
            return fake.click(leader, preview.message, edit)

        await explore("leader", leader, press_edit, "Edit on /care remember's preview")
        for who, user in people:
            menus = [c for c in fake.commands(world.guild) + fake.commands() if c.get("type") == 3]
            for menu in menus:
                name = str(menu["name"])

                def use(
                    user: User = user, name: str = name, message: Message = posted
                ) -> Awaitable[InteractionResult]:
                    return fake.message_command(user, name, message)

                await explore(who, user, use, f"“{name}” on a member's message")
        channels = [c.id for c in world.guild.channels.values()]
        for who, user in people:
            for channel_id in channels:
                for message in list(fake.messages_in(channel_id)):
                    if message.author.id != fake.bot_user.id or message.ephemeral:
                        continue
                    buttons = [
                        str(c["custom_id"])
                        for c in iter_components(message.components)
                        if c.get("type") == 2 and c.get("custom_id") and not c.get("disabled")
                    ]
                    # Last first: the buttons that ask for words (Decline, False alarm) come
                    # after the ones that act at once (Approve, Claim), which would close them.
                    for custom_id in reversed(buttons):
                        if not custom_id or custom_id.startswith("groups:directory"):
                            continue

                        def press(
                            user: User = user, message: Message = message, cid: str = custom_id
                        ) -> Awaitable[InteractionResult]:
                            return fake.click(user, message, cid)

                        await explore(who, user, press, f"button {custom_id.split(':')[:2]}")
        # Last (the clock moves a month on): the leaders' check-in under a scheduled programme
        # report, whose rating buttons open the form for words.
        await fake.slash(
            world.people["admin"],
            "programme schedule-reports",
            guild=world.guild,
            channel=server.general,
            options={"channel": server.private.id, "interval": 1},
        )
        clock.advance(days=32)
        reports = runner.bot.get_cog("Programme reports")
        assert reports is not None
        await reports.sweep()  # type: ignore[attr-defined]
        await runner.idle()
        checkin = next(  # one per group they lead
            m
            for m in fake.dm_messages(leader)
            if any(c.startswith("programme:checkin:") for c in m.custom_ids())
        )
        rating = next(c for c in checkin.custom_ids() if c.startswith("programme:checkin:"))

        def press_rating() -> Awaitable[InteractionResult]:
            return fake.click(leader, checkin, rating)

        await explore("leader", leader, press_rating, "a rating on the leaders' check-in")
    finally:
        observer.detach()
    missing = every_form(runner.bot) - reached
    print(
        f"\nforms: {len(reached)} reached {sorted(reached)};"
        f" {fuzz.cases} calls ({fuzz.refusals} refused), {time.monotonic() - began:.1f}s"
    )
    assert not failures, "\n\n".join(failures)
    assert not missing, (
        f"forms no button, menu or command here opens: {sorted(missing)}; bring the server to"
        " where they appear in tests/fuzz/test_forms.py, or name the command that opens them"
        " in FORMS_OF_COMMANDS"
    )
