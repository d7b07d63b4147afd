"""The attendance prompt's buttons (persistent: the prompt waits in a leader's DMs for days) and
the form they open (a plain view: the group's members in selects, pre-filled with those seen in
the voice channel or recorded before, and Save)."""

from __future__ import annotations

from typing import Any, Protocol, cast

import discord

from bot.i18n import N_, Translate
from bot.kit.buttons import PersistentButton
from bot.ui import BaseView, loaded_cog

COG_NAME = "Programme"
FORM_TIMEOUT = 30 * 60
PER_SELECT = 25


class AttendanceActions(Protocol):
    async def open_attendance(
        self, interaction: discord.Interaction[Any], guild_id: int, occurrence: str
    ) -> None: ...

    async def save_attendance(
        self,
        interaction: discord.Interaction[Any],
        guild_id: int,
        occurrence: str,
        came: list[int] | None,
    ) -> None: ...


def programme_cog(interaction: discord.Interaction[Any]) -> AttendanceActions:
    return cast(AttendanceActions, loaded_cog(interaction, COG_NAME))


_FIELDS = {"guild": int, "series": int, "at": int}


class RecordButton(PersistentButton, prefix="programme:came", fields=_FIELDS):
    """Opens the form (the service checks the presser leads the group)."""

    guild: int
    series: int
    at: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await programme_cog(interaction).open_attendance(
            interaction, self.guild, f"{self.series}:{self.at}"
        )


class SkipButton(PersistentButton, prefix="programme:skip", fields=_FIELDS):
    guild: int
    series: int
    at: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await programme_cog(interaction).save_attendance(
            interaction, self.guild, f"{self.series}:{self.at}", None
        )


def prompt_view(guild_id: int, occurrence: str, t: Translate) -> discord.ui.View:
    series, at = (int(p) for p in occurrence.split(":", 1))
    view = discord.ui.View(timeout=None)
    view.add_item(
        RecordButton(
            label=t(N_("Record who came")),
            style=discord.ButtonStyle.primary,
            guild=guild_id,
            series=series,
            at=at,
        )
    )
    view.add_item(SkipButton(label=t(N_("Skip")), guild=guild_id, series=series, at=at))
    return view


class _MembersSelect(discord.ui.Select["AttendanceForm"]):
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        assert self.view is not None
        self.view.chosen[self.custom_id] = {int(v) for v in self.values}
        await interaction.response.defer()


class AttendanceForm(BaseView):
    def __init__(
        self,
        guild_id: int,
        occurrence: str,
        members: list[tuple[int, str]],
        chosen: set[int],
        t: Translate,
    ) -> None:
        super().__init__(timeout=FORM_TIMEOUT)
        self.guild_id, self.occurrence = guild_id, occurrence
        self.chosen: dict[str, set[int]] = {}
        for index in range(0, len(members), PER_SELECT):
            part = members[index : index + PER_SELECT]
            custom_id = f"programme:form:{index // PER_SELECT}"
            select = _MembersSelect(
                custom_id=custom_id,
                placeholder=t(N_("Who came")),
                min_values=0,
                max_values=len(part),
                options=[
                    discord.SelectOption(label=name[:100], value=str(uid), default=uid in chosen)
                    for uid, name in part
                ],
            )
            self.chosen[custom_id] = {uid for uid, _ in part if uid in chosen}
            self.add_item(select)
        save = discord.ui.Button[AttendanceForm](
            label=t(N_("Save")), style=discord.ButtonStyle.primary, custom_id="programme:form:save"
        )
        save.callback = self._save
        self.add_item(save)

    async def _save(self, interaction: discord.Interaction[Any]) -> None:
        came = sorted(set().union(*self.chosen.values())) if self.chosen else []
        await programme_cog(interaction).save_attendance(
            interaction, self.guild_id, self.occurrence, came
        )
        self.stop()


PERSISTENT_ITEMS = (RecordButton, SkipButton)
