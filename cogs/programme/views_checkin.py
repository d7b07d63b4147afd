"""The leaders' check-in under their group's scheduled report: "How is the group going?" 1-5
(persistent buttons: the DM waits for days, across restarts), each opening an optional form for
a few words (a `PersistentModal`: answered the same after a restart)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, cast

import discord

from bot.i18n import Translate
from bot.kit.buttons import PersistentButton
from bot.kit.modals import Answers, PersistentModal
from bot.ui import loaded_cog
from cogs.programme.service_schedule import MAX_WORDS

SCHEDULE_COG = "Programme reports"
_FIELDS = {"guild": int, "group": int, "start": int}


class CheckinActions(Protocol):
    async def rated(
        self, interaction: discord.Interaction[Any], guild: int, group: int, start: int, n: int
    ) -> None: ...

    async def worded(
        self, interaction: discord.Interaction[Any], guild: int, group: int, start: int, text: str
    ) -> None: ...


def _actions(interaction: discord.Interaction[Any]) -> CheckinActions:
    return cast(CheckinActions, loaded_cog(interaction, SCHEDULE_COG))


class RateButton(PersistentButton, prefix="programme:checkin", fields={**_FIELDS, "rating": int}):
    """`programme:checkin:GUILD:GROUP:PERIOD-START:RATING` (the service checks the presser
    leads the group)."""

    guild: int
    group: int
    start: int
    rating: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await _actions(interaction).rated(
            interaction, self.guild, self.group, self.start, self.rating
        )


class WordsModal(PersistentModal, prefix="programme:words", fields=_FIELDS):
    guild: int
    group: int
    start: int

    def heading(self, t: Translate) -> str:
        return t("How is the group going?")

    def inputs(self, t: Translate) -> Sequence[discord.ui.Item[Any]]:
        return [
            discord.ui.TextInput(
                label=t("A few words for the organisation (optional)"),
                custom_id="words",
                style=discord.TextStyle.paragraph,
                required=False,
                max_length=MAX_WORDS,
            )
        ]

    async def submitted(self, interaction: discord.Interaction[Any], answers: Answers) -> None:
        await _actions(interaction).worded(
            interaction, self.guild, self.group, self.start, answers.text("words")
        )


def checkin_view(guild: int, group: int, start: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for n in range(1, 6):
        view.add_item(RateButton(guild=guild, group=group, start=start, rating=n, label=str(n)))
    return view
