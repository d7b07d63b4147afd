"""The agreement's buttons and the modal that edits it.

"I agree" and "Not now" are persistent buttons (bot/kit/buttons.py): they are pressed in direct
messages days later, or after a restart, so their custom id carries everything (who was asked,
which group, which versions were shown) and the rest comes from the database when pressed. Only
the member who was asked may press them.
"""

from __future__ import annotations

from typing import Any, Protocol, cast

import discord

from bot.i18n import N_, Translate
from bot.kit.buttons import INT_LIST, PersistentButton
from bot.ui import BaseModal, loaded_cog
from cogs.confidentiality.service import BODY_MAX

CONFIDENTIALITY_COG_NAME = "Confidentiality"

NOT_YOURS = N_(
    "This agreement was shown to someone else. You can read yours with /confidentiality show."
)


class AgreementActions(Protocol):
    """What the cog does when "I agree" or "Not now" is pressed (by the member asked)."""

    async def agree(
        self,
        interaction: discord.Interaction[Any],
        user_id: int,
        group_id: int,
        text_ids: list[int],
    ) -> None: ...

    async def not_now(
        self, interaction: discord.Interaction[Any], guild_id: int, user_id: int, group_id: int
    ) -> None: ...


class AgreementEditor(Protocol):
    """What saves the text of the agreement modal."""

    async def save_text(
        self, interaction: discord.Interaction[Any], group_id: int | None, body: str
    ) -> None: ...


def confidentiality_cog(interaction: discord.Interaction[Any]) -> AgreementActions:
    return cast(AgreementActions, loaded_cog(interaction, CONFIDENTIALITY_COG_NAME))


class AgreeButton(
    PersistentButton,
    prefix="confidentiality:agree",
    fields={"user": int, "group": int, "texts": INT_LIST},
    owner_field="user",
    style=discord.ButtonStyle.success,
):
    """ "I agree" to the versions shown (group 0: the server's text, for all one's groups):
    `confidentiality:agree:USER:GROUP:TEXT-TEXT`."""

    not_yours = NOT_YOURS
    user: int
    group: int
    texts: list[int]

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await confidentiality_cog(interaction).agree(interaction, self.user, self.group, self.texts)


class NotNowButton(
    PersistentButton,
    prefix="confidentiality:notnow",
    fields={"guild": int, "user": int, "group": int},
    owner_field="user",
):
    """ "Not now" while joining: the seat held for the member goes to the next person
    (`confidentiality:notnow:GUILD:USER:GROUP`)."""

    not_yours = NOT_YOURS
    guild: int
    user: int
    group: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await confidentiality_cog(interaction).not_now(
            interaction, self.guild, self.user, self.group
        )


DYNAMIC_ITEMS = (AgreeButton, NotNowButton)


class AgreementModal(BaseModal):
    """/confidentiality set: the text, prefilled with the current version."""

    def __init__(
        self,
        editor: AgreementEditor,
        group_id: int | None,
        title: str,
        current: str,
        t: Translate,
    ) -> None:
        super().__init__(title=title[:45], timeout=1800)
        self.editor = editor
        self.group_id = group_id
        self.body: discord.ui.TextInput[AgreementModal] = discord.ui.TextInput(
            label=t("The agreement members accept")[:45],
            style=discord.TextStyle.paragraph,
            default=current[:BODY_MAX] or None,
            required=True,
            max_length=BODY_MAX,
        )
        self.add_item(self.body)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await self.editor.save_text(interaction, self.group_id, self.body.value)
