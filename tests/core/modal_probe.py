"""A small feature for the tests of the kit's forms (bot/kit/modals.py): an extension
(`tests.core.modal_probe`) whose `/form` commands open `PersistentModal`s declared through the
Feature contract, and which records what each form brought back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T

from bot.checks import MEMBER, Audience
from bot.client import Bot
from bot.errors import UserError
from bot.feature import Feature
from bot.i18n import N_, Translate
from bot.kit.modals import OPTIONAL_INT, Answers, PersistentModal


@dataclass(frozen=True)
class Sent:
    form: str
    user_id: int
    values: dict[str, Any]
    said: str
    kept: str


def forms(bot: Any) -> FormProbe:
    found = bot.get_cog("Form probe")
    assert found is not None
    return cast(FormProbe, found)


class ProbeForm(
    PersistentModal,
    prefix="probe:form",
    fields={"n": int, "group": OPTIONAL_INT, "how": ("ok", "refuse", "oops")},
):
    """A form with a number, a group that may be absent and what to do when sent; one input
    to type in and one prefilled with "kept <n>"."""

    n: int
    group: int | None
    how: str

    def heading(self, t: Translate) -> str:
        return f"Probe form {self.n}   with   a title far too long for Discord's limit"

    def inputs(self, t: Translate) -> Sequence[discord.ui.Item[Any]]:
        return [
            discord.ui.TextInput(label="Say", custom_id="said", required=False),
            discord.ui.TextInput(label="Kept", custom_id="kept", default=f"kept {self.n}"),
        ]

    async def submitted(self, interaction: discord.Interaction[Any], answers: Answers) -> None:
        if self.how == "refuse":
            raise UserError(N_("The form refuses."))
        if self.how == "oops":
            raise RuntimeError("a bug in a form")
        sent = Sent(
            "probe",
            interaction.user.id,
            {"n": self.n, "group": self.group},
            answers.text("said"),
            answers.text("kept"),
        )
        forms(interaction.client).sent.append(sent)
        await interaction.response.send_message(
            f"form {self.n} group {self.group}: {sent.said}", ephemeral=True
        )


class ModeratorForm(
    PersistentModal, prefix="probe:modform", fields={"n": int}, audience=Audience.MODERATOR
):
    n: int

    def heading(self, t: Translate) -> str:
        return "Moderators only"

    def inputs(self, t: Translate) -> Sequence[discord.ui.Item[Any]]:
        return [discord.ui.TextInput(label="Note", custom_id="note")]

    async def submitted(self, interaction: discord.Interaction[Any], answers: Answers) -> None:
        await interaction.response.send_message(f"moderated {self.n}", ephemeral=True)


class LeaderForm(
    PersistentModal,
    prefix="probe:leadform",
    fields={"group": int},
    audience=Audience.LEADER,
    group_field="group",
):
    group: int

    def heading(self, t: Translate) -> str:
        return "Leaders only"

    def inputs(self, t: Translate) -> Sequence[discord.ui.Item[Any]]:
        return [discord.ui.TextInput(label="Note", custom_id="note")]

    async def submitted(self, interaction: discord.Interaction[Any], answers: Answers) -> None:
        await interaction.response.send_message(f"led {self.group}", ephemeral=True)


class RenamedForm(
    PersistentModal,
    prefix="probe:renamed",
    fields={"n": int},
    legacy=r"probe:oldform:(?P<n>[0-9]+)",
):
    """A form whose ids were `probe:oldform:<n>` before the kit (see `/form old`)."""

    n: int

    def heading(self, t: Translate) -> str:
        return "Renamed"

    def inputs(self, t: Translate) -> Sequence[discord.ui.Item[Any]]:
        return [discord.ui.TextInput(label="Say", custom_id="said")]

    async def submitted(self, interaction: discord.Interaction[Any], answers: Answers) -> None:
        forms(interaction.client).sent.append(
            Sent("renamed", interaction.user.id, {"n": self.n}, answers.text("said"), "")
        )
        await interaction.response.send_message(f"renamed {self.n}", ephemeral=True)


class FormProbe(Feature, name="Form probe"):
    form = app_commands.Group(name="form", description=_T("Kit form probe"), guild_only=True)
    persistent_modals = (ProbeForm, ModeratorForm, LeaderForm, RenamedForm)

    def __init__(self, bot: Bot) -> None:
        super().__init__(bot)
        self.sent: list[Sent] = []

    @form.command(name="open", description=_T("Open the probe form"), extras=MEMBER)
    async def open_form(
        self,
        interaction: discord.Interaction[Bot],
        n: int,
        how: str = "ok",
        group: int | None = None,
    ) -> None:
        await ProbeForm(n=n, group=group, how=how).open(interaction)

    @form.command(name="moderated", description=_T("Open the moderators' form"), extras=MEMBER)
    async def moderated(self, interaction: discord.Interaction[Bot], n: int) -> None:
        await ModeratorForm(n=n).open(interaction)  # checked when sent, not here

    @form.command(name="led", description=_T("Open the leaders' form"), extras=MEMBER)
    async def led(self, interaction: discord.Interaction[Bot], group: int) -> None:
        await LeaderForm(group=group).open(interaction)

    @form.command(name="old", description=_T("Open a form as before the kit"), extras=MEMBER)
    async def old(self, interaction: discord.Interaction[Bot], n: int) -> None:
        """A form as the bot opened them before the kit: a fixed id, held by discord.py."""
        modal = discord.ui.Modal(title="Old", custom_id=f"probe:oldform:{n}")
        modal.add_item(discord.ui.TextInput(label="Say", custom_id="said"))
        await interaction.response.send_modal(modal)


async def setup(bot: Bot) -> None:
    await bot.add_cog(FormProbe(bot))
