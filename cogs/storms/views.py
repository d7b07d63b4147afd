"""The storms feature's buttons and form: Edit / Post / Cancel under the leader's private
preview of the group's message (only the one who recorded it may press them), the form to edit
the words, and "I've checked in" under the moderators' note. They reach the cog through the
small protocol below."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, cast

import discord

from bot.checks import Audience
from bot.i18n import Translate
from bot.kit.buttons import PersistentButton
from bot.kit.modals import Answers, PersistentModal
from bot.ui import loaded_cog

COG_NAME = "Storms"
MESSAGE_MAX = 1800


class StormsActions(Protocol):
    async def edit_pressed(self, interaction: discord.Interaction[Any], row: int) -> None: ...

    async def post_pressed(self, interaction: discord.Interaction[Any], row: int) -> None: ...

    async def cancel_pressed(self, interaction: discord.Interaction[Any], row: int) -> None: ...

    async def edit_submitted(
        self, interaction: discord.Interaction[Any], row: int, text: str
    ) -> None: ...

    async def checked_in_pressed(self, interaction: discord.Interaction[Any], row: int) -> None: ...


def actions(interaction: discord.Interaction[Any]) -> StormsActions:
    return cast(StormsActions, loaded_cog(interaction, COG_NAME))


_DRAFT = {"entry": int, "group": int, "owner": int}


class EditButton(
    PersistentButton,
    prefix="storms:edit",
    fields=_DRAFT,
    audience=Audience.LEADER,
    group_field="group",
    owner_field="owner",
):
    entry: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await actions(interaction).edit_pressed(interaction, self.entry)


class PostButton(
    PersistentButton,
    prefix="storms:post",
    fields=_DRAFT,
    audience=Audience.LEADER,
    group_field="group",
    owner_field="owner",
    style=discord.ButtonStyle.primary,
):
    entry: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await actions(interaction).post_pressed(interaction, self.entry)


class CancelButton(
    PersistentButton,
    prefix="storms:cancel",
    fields=_DRAFT,
    audience=Audience.LEADER,
    group_field="group",
    owner_field="owner",
):
    entry: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await actions(interaction).cancel_pressed(interaction, self.entry)


class CheckedInButton(
    PersistentButton,
    prefix="storms:checked_in",
    fields={"entry": int},
    audience=Audience.MODERATOR,
    style=discord.ButtonStyle.success,
):
    entry: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await actions(interaction).checked_in_pressed(interaction, self.entry)


class MessageModal(
    PersistentModal,
    prefix="storms:message",
    fields={"entry": int, "group": int},
    audience=Audience.LEADER,
    group_field="group",
):
    """The leader's words for the group (prefilled with the draft: `prefill` is set before
    `open` and comes back in the answer, nothing is kept on the instance)."""

    entry: int
    group: int
    prefill: str = ""

    def heading(self, t: Translate) -> str:
        return t("Your message to the group")

    def inputs(self, t: Translate) -> Sequence[discord.ui.Item[Any]]:
        return [
            discord.ui.TextInput(
                label=t("Message"),
                custom_id="text",
                style=discord.TextStyle.paragraph,
                default=self.prefill[:MESSAGE_MAX] or None,
                required=True,
                max_length=MESSAGE_MAX,
            )
        ]

    async def submitted(self, interaction: discord.Interaction[Any], answers: Answers) -> None:
        await actions(interaction).edit_submitted(interaction, self.entry, answers.text("text"))


def preview_view(t: Translate, row: int, group: int, owner: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(PostButton(label=t("Post"), entry=row, group=group, owner=owner))
    view.add_item(EditButton(label=t("Edit"), entry=row, group=group, owner=owner))
    view.add_item(CancelButton(label=t("Cancel"), entry=row, group=group, owner=owner))
    return view


def checkin_view(t: Translate, row: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(CheckedInButton(label=t("I've checked in with the leaders"), entry=row))
    return view


PERSISTENT_ITEMS = (EditButton, PostButton, CancelButton, CheckedInButton)
