"""bot/kit/modals.py: forms (modals) whose id is unique to each opening and carries what they
need, answered through `bot.modals` whether or not the bot restarted while they were open,
never mixed between people who have them open at once, with the audience checked when sent and
every error answered kindly. Driven through the loopback Discord with a small test feature
(tests/core/modal_probe.py)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import astuple
from typing import Any

import pytest

from bot.kit.modals import TITLE_MAX, Answers, PersistentModal, modal_title, token_for
from tests.conftest import StartBot
from tests.core.modal_probe import ProbeForm, RenamedForm, forms
from tests.core.probe import MemoryGroups, install_groups
from tests.fakediscord import FakeDiscord, InteractionResult
from tests.fakediscord.models import User
from tests.harness import BotRunner, Server

FORMS = ("tests.core.modal_probe",)


# ---------------------------------------------------------------------- ids


def test_ids_carry_a_token_and_the_fields() -> None:
    assert ProbeForm.custom_id_for("k3", n=12, group=4, how="ok") == "probe:form:k3:12:4:ok"
    assert ProbeForm.custom_id_for("k3", n=12, group=None, how="ok") == "probe:form:k3:12::ok"
    assert ProbeForm.parse("probe:form:k3:12:4:ok") == {
        "token": "k3",
        "n": 12,
        "group": 4,
        "how": "ok",
    }
    assert ProbeForm.parse("probe:form:k3:12::refuse") == {
        "token": "k3",
        "n": 12,
        "group": None,
        "how": "refuse",
    }
    assert ProbeForm.parse("probe:form:12:4:ok") is None  # no token
    assert ProbeForm.parse("probe:form:k3:12:4:maybe") is None
    assert ProbeForm.parse("probe:form:K3:12:4:ok") is None
    # a legacy id (written before the kit) is read without a token
    assert RenamedForm.parse("probe:oldform:7") == {"token": None, "n": 7}
    assert RenamedForm.parse("probe:renamed:ab:7") == {"token": "ab", "n": 7}


def test_the_token_is_the_opening_interactions_id() -> None:
    assert token_for(0) == "0"
    assert token_for(35) == "z"
    snowflake = 1579477055030951947
    assert int(token_for(snowflake), 36) == snowflake and len(token_for(snowflake)) <= 13
    assert token_for(snowflake) != token_for(snowflake + 1)


def test_values_that_do_not_fit_are_refused() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        ProbeForm.custom_id_for("k", n=1, group=None, how="nope")
    with pytest.raises(ValueError, match="not a token"):
        ProbeForm.custom_id_for("K!", n=1, group=None, how="ok")
    with pytest.raises(ValueError, match="longer than"):
        ProbeForm.custom_id_for("k", n=10**90, group=None, how="ok")
    with pytest.raises(TypeError, match="takes the fields"):
        ProbeForm(n=1)
    with pytest.raises(TypeError, match="cannot be called"):

        class Bad(PersistentModal, prefix="probe:bad", fields={"token": int}):
            pass

    with pytest.raises(TypeError, match="no field"):

        class AlsoBad(PersistentModal, prefix="probe:bad2", fields={"n": int}, group_field="g"):
            pass


def test_the_title_rule_and_reading_answers() -> None:
    assert modal_title("  Ask   for help \n") == "Ask for help"
    long = modal_title("x" * 100)
    assert len(long) == TITLE_MAX and long.endswith("…")
    with pytest.raises(ValueError):
        modal_title("  ")
    answers = Answers.of(
        [
            {"type": 1, "components": [{"type": 4, "custom_id": "a", "value": "one"}]},
            {"type": 18, "component": {"type": 3, "custom_id": "b", "values": ["x", "y"]}},
        ]
    )
    assert answers.text("a") == "one" and answers.values["b"] == ["x", "y"]
    assert answers.text("b") == "" and answers.text("missing") == ""


# ---------------------------------------------------------------------- through the bot


async def open_form(
    fake: FakeDiscord, user: User, server: Server, n: int, **options: Any
) -> InteractionResult:
    form = await fake.slash(
        user,
        "form open",
        guild=server.guild,
        channel=server.general,
        options={"n": n, **options},
    )
    assert form.modal is not None, form
    return form


async def test_forms_open_at_once_never_mix(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    fake = fake_discord
    runner = await start_bot(features=FORMS)
    people = [server.member, server.moderator, server.admin]
    opened = await asyncio.gather(
        *(open_form(fake, u, server, n, group=n * 10) for n, u in enumerate(people, 1))
    )
    first = opened[0].modal
    assert first is not None
    assert first.title.startswith("Probe form 1 with a title far") and first.title.endswith("…")
    assert len(first.title) == TITLE_MAX
    assert len({form.modal.custom_id for form in opened if form.modal is not None}) == 3
    assert first.custom_id.startswith("probe:form:") and first.custom_id.endswith(":1:10:ok")
    # a second opening by the same person is a new form too
    again = await open_form(fake, server.member, server, 1, group=10)
    assert again.modal is not None and again.modal.custom_id != first.custom_id

    # sent in the reverse order, and two of them at once: each brings back its own
    last = await fake.submit_modal(people[2], opened[2], {"said": "from the admin"})
    both = await asyncio.gather(
        fake.submit_modal(people[1], opened[1], {"said": "from the moderator"}),
        fake.submit_modal(people[0], opened[0], {"said": "from the member"}),
    )
    assert last.ephemeral and last.text == "form 3 group 30: from the admin"
    assert [r.text for r in both] == [
        "form 2 group 20: from the moderator",
        "form 1 group 10: from the member",
    ]
    await runner.idle()
    # (the extension is imported anew by each bot: compare the fields, not the class)
    assert sorted((astuple(s) for s in forms(runner.bot).sent), key=lambda r: r[2]["n"]) == [
        ("probe", people[0].id, {"n": 1, "group": 10}, "from the member", "kept 1"),
        ("probe", people[1].id, {"n": 2, "group": 20}, "from the moderator", "kept 2"),
        ("probe", people[2].id, {"n": 3, "group": 30}, "from the admin", "kept 3"),
    ]
    # the other form the member opened is still answered, once
    late = await fake.submit_modal(server.member, again, {})
    assert late.text == "form 1 group 10: "


async def test_a_form_sent_after_a_restart_is_answered(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    fake = fake_discord
    first = await start_bot(features=FORMS, database="restart.sqlite3")
    form = await open_form(fake, server.member, server, 5)
    old = await fake.slash(
        server.member, "form old", guild=server.guild, channel=server.general, options={"n": 7}
    )
    assert old.modal is not None and old.modal.custom_id == "probe:oldform:7"
    await first.idle()
    await first.stop()
    second = await start_bot(features=FORMS, database="restart.sqlite3", sync=False)

    done = await fake.submit_modal(server.member, form, {"said": "after the restart"})
    assert done.ephemeral and done.text == "form 5 group None: after the restart"
    # a form opened with a fixed id before the upgrade is answered by its kind's legacy shape
    legacy = await fake.submit_modal(server.member, old, {"said": "opened before"})
    assert legacy.ephemeral and legacy.text == "renamed 7"
    await second.idle()
    assert [s.form for s in forms(second.bot).sent] == ["probe", "renamed"]


async def test_who_may_send_is_checked_when_it_is_sent(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    fake = fake_discord
    lee = fake.create_user("lee")  # leads a group; not a moderator
    fake.add_member(server.guild, lee)
    groups = MemoryGroups()
    group = groups.add(server.guild.id, "Caregivers", leaders=[lee.id])
    runner: BotRunner = await start_bot(features=FORMS, prepare=install_groups(groups))
    assert runner.bot is not None
    await runner.bot.guild_settings.set_moderator_role(server.guild.id, server.moderator_role.id, 0)

    async def send(user: User, command: str, options: dict[str, Any]) -> InteractionResult:
        form = await fake.slash(
            user, command, guild=server.guild, channel=server.general, options=options
        )
        return await fake.submit_modal(user, form, {"note": "x"})

    member = await send(server.member, "form moderated", {"n": 1})
    assert member.ephemeral
    assert member.text == "Only moderators can do this. Please ask one of them for help."
    assert (await send(server.moderator, "form moderated", {"n": 1})).text == "moderated 1"
    not_leader = await send(server.member, "form led", {"group": group.id})
    assert "Only this group's leaders and the moderators" in not_leader.text
    assert (await send(lee, "form led", {"group": group.id})).text == f"led {group.id}"


async def test_errors_are_answered_kindly_and_logged_without_the_id(
    start_bot: StartBot,
    fake_discord: FakeDiscord,
    server: Server,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_discord
    runner = await start_bot(features=FORMS)
    refuse = await open_form(fake, server.member, server, 1, how="refuse")
    refused = await fake.submit_modal(server.member, refuse, {})
    assert refused.ephemeral and refused.text == "The form refuses."

    oops = await open_form(fake, server.member, server, 2, how="oops", group=99)
    with caplog.at_level(logging.ERROR, logger="bot.tree"):
        bug = await fake.submit_modal(server.member, oops, {"said": "secret words"})
    assert bug.ephemeral and "Sorry, something went wrong" in bug.text and "E-" in bug.text
    [record] = [r for r in caplog.records if r.name == "bot.tree"]
    logged = record.getMessage()
    assert "modal ProbeForm" in logged
    assert oops.modal is not None and oops.modal.custom_id not in logged
    assert "secret words" not in logged
    await runner.idle()
    assert forms(runner.bot).sent == []


async def test_the_feature_contract_adds_and_removes_the_forms(
    start_bot: StartBot, fake_discord: FakeDiscord, server: Server
) -> None:
    runner = await start_bot(features=FORMS)
    bot = runner.bot
    assert bot is not None
    kinds = {kind.__name__ for kind in bot.modals.kinds()}
    assert kinds == {"ProbeForm", "ModeratorForm", "LeaderForm", "RenamedForm"}
    form = await open_form(fake_discord, server.member, server, 3)
    await bot.unload_extension("tests.core.modal_probe")
    assert bot.modals.kinds() == ()
    assert bot.modals.find(form.modal.custom_id if form.modal else "") is None
    await bot.load_extension("tests.core.modal_probe")
    assert len(bot.modals.kinds()) == 4
    done = await fake_discord.submit_modal(server.member, form, {"said": "reloaded"})
    assert done.text == "form 3 group None: reloaded"
