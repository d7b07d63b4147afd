"""Mentoring's buttons and forms, all persistent (they work after a restart): each custom id
carries only ids and a word, never what anyone typed. Who may press is checked here (the
owner) or in the cog (coordinators)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, cast

import discord

from bot.i18n import Translate
from bot.kit.buttons import PersistentButton
from bot.kit.modals import OPTIONAL_INT, Answers, PersistentModal
from bot.ui import loaded_cog

COG_NAME = "Mentoring"


class MentoringActions(Protocol):
    async def approve_pressed(
        self, interaction: discord.Interaction[Any], user_id: int
    ) -> None: ...
    async def confirm_pressed(
        self, interaction: discord.Interaction[Any], request: int, mentor: int
    ) -> None: ...
    async def consent_pressed(
        self, interaction: discord.Interaction[Any], match_id: int, accept: bool
    ) -> None: ...
    async def rate_pressed(
        self, interaction: discord.Interaction[Any], checkin_id: int, rating: int
    ) -> None: ...
    async def note_submitted(
        self, interaction: discord.Interaction[Any], match_id: int | None, words: str
    ) -> None: ...
    async def about_submitted(
        self, interaction: discord.Interaction[Any], guild_id: int, kind: str, words: str
    ) -> None: ...
    async def rematch_pressed(
        self, interaction: discord.Interaction[Any], guild_id: int, kind: str
    ) -> None: ...


def actions(interaction: discord.Interaction[Any]) -> MentoringActions:
    return cast(MentoringActions, loaded_cog(interaction, COG_NAME))


class ApproveButton(PersistentButton, prefix="mentoring:approve", fields={"user": int}):
    user: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await actions(interaction).approve_pressed(interaction, self.user)


class ConfirmButton(
    PersistentButton, prefix="mentoring:confirm", fields={"request": int, "mentor": int}
):
    request: int
    mentor: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await actions(interaction).confirm_pressed(interaction, self.request, self.mentor)


class ConsentButton(
    PersistentButton,
    prefix="mentoring:consent",
    fields={"match": int, "answer": ("yes", "no"), "user": int},
    owner_field="user",
):
    match: int
    answer: str
    user: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await actions(interaction).consent_pressed(interaction, self.match, self.answer == "yes")


class RateButton(
    PersistentButton,
    prefix="mentoring:rate",
    fields={"checkin": int, "rating": int, "user": int},
    owner_field="user",
):
    checkin: int
    rating: int
    user: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await actions(interaction).rate_pressed(interaction, self.checkin, self.rating)


class NoteButton(
    PersistentButton,
    prefix="mentoring:notebtn",
    fields={"match": int, "user": int},
    owner_field="user",
):
    match: int
    user: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await NoteModal(match=self.match).open(interaction)


class NoteModal(PersistentModal, prefix="mentoring:note", fields={"match": OPTIONAL_INT}):
    match: int | None  # None: the member's active match in the server where it was opened

    def heading(self, t: Translate) -> str:
        return t("A few words for the coordinator")

    def inputs(self, t: Translate) -> Sequence[discord.ui.Item[Any]]:
        return [
            discord.ui.TextInput(
                label=t("How is it going? (optional)"),
                custom_id="words",
                style=discord.TextStyle.paragraph,
                max_length=1000,
                required=False,
            )
        ]

    async def submitted(self, interaction: discord.Interaction[Any], answers: Answers) -> None:
        await actions(interaction).note_submitted(interaction, self.match, answers.text("words"))


class AboutButton(
    PersistentButton,
    prefix="mentoring:aboutbtn",
    fields={"guild": int, "kind": ("mentee", "mentor", "buddy"), "user": int},
    owner_field="user",
):
    guild: int
    kind: str
    user: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await AboutModal(guild=self.guild, kind=self.kind).open(interaction)


class AboutModal(
    PersistentModal,
    prefix="mentoring:about",
    fields={"guild": int, "kind": ("mentee", "mentor", "buddy")},
):
    guild: int
    kind: str

    def heading(self, t: Translate) -> str:
        return t("In your own words")

    def inputs(self, t: Translate) -> Sequence[discord.ui.Item[Any]]:
        return [
            discord.ui.TextInput(
                label=t("Anything a coordinator should know"),
                custom_id="words",
                style=discord.TextStyle.paragraph,
                max_length=600,
                required=False,
            )
        ]

    async def submitted(self, interaction: discord.Interaction[Any], answers: Answers) -> None:
        await actions(interaction).about_submitted(
            interaction, self.guild, self.kind, answers.text("words")
        )


class RematchButton(
    PersistentButton,
    prefix="mentoring:rematch",
    fields={"guild": int, "kind": ("mentee", "buddy"), "user": int},
    owner_field="user",
    style=discord.ButtonStyle.primary,
):
    guild: int
    kind: str
    user: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await actions(interaction).rematch_pressed(interaction, self.guild, self.kind)


PERSISTENT_ITEMS = (
    ApproveButton,
    ConfirmButton,
    ConsentButton,
    RateButton,
    NoteButton,
    AboutButton,
    RematchButton,
)
PERSISTENT_MODALS = (NoteModal, AboutModal)
