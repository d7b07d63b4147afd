"""The agreement's buttons and the modal that edits it.

"I agree" and "Not now" are DynamicItems: they are pressed in direct messages days later, or
after a restart, so their custom id carries everything (who was asked, which group, which
versions were shown) and the rest comes from the database when pressed.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, cast

import discord

from bot.i18n import Translate
from bot.ui import BaseModal, guarded, loaded_cog
from cogs.confidentiality.service import BODY_MAX

CONFIDENTIALITY_COG_NAME = "Confidentiality"


class AgreementActions(Protocol):
    """What the cog does when "I agree" or "Not now" is pressed."""

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
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"confidentiality:agree:(?P<user>\d+):(?P<group>\d+):(?P<texts>\d+(?:-\d+)*)",
):
    """ "I agree" to the versions shown (group 0: the server's text, for all one's groups)."""

    def __init__(self, user_id: int, group_id: int, text_ids: list[int], label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80],
                style=discord.ButtonStyle.success,
                custom_id=(
                    f"confidentiality:agree:{user_id}:{group_id}:"
                    + "-".join(str(i) for i in text_ids)
                ),
            )
        )
        self.user_id = user_id
        self.group_id = group_id
        self.text_ids = text_ids

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Button[Any],
        match: re.Match[str],
    ) -> AgreeButton:
        texts = [int(x) for x in match["texts"].split("-")]
        return cls(int(match["user"]), int(match["group"]), texts, item.label or "")

    @guarded
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await confidentiality_cog(interaction).agree(
            interaction, self.user_id, self.group_id, self.text_ids
        )


class NotNowButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"confidentiality:notnow:(?P<guild>\d+):(?P<user>\d+):(?P<group>\d+)",
):
    """ "Not now" while joining: the seat held for the member goes to the next person."""

    def __init__(self, guild_id: int, user_id: int, group_id: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80],
                style=discord.ButtonStyle.secondary,
                custom_id=f"confidentiality:notnow:{guild_id}:{user_id}:{group_id}",
            )
        )
        self.guild_id = guild_id
        self.user_id = user_id
        self.group_id = group_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Button[Any],
        match: re.Match[str],
    ) -> NotNowButton:
        return cls(int(match["guild"]), int(match["user"]), int(match["group"]), item.label or "")

    @guarded
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await confidentiality_cog(interaction).not_now(
            interaction, self.guild_id, self.user_id, self.group_id
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
