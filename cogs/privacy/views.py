"""The privacy feature's button: "Yes, erase" under `/privacy delete` (and `delete-member`)."""

from __future__ import annotations

from typing import Any, Protocol, cast

import discord

from bot.i18n import N_
from bot.kit.buttons import PersistentButton
from bot.ui import loaded_cog

COG_NAME = "Privacy"
NOT_YOURS = N_("This button is for the person who asked for the erasure.")


class Eraser(Protocol):
    async def confirm_erasure(
        self, interaction: discord.Interaction[Any], request_id: int, user_id: int
    ) -> None: ...


class EraseButton(
    PersistentButton,
    prefix="privacy:erase",
    fields={"request": int, "user": int},
    owner_field="user",
    style=discord.ButtonStyle.success,
):
    """Confirms one erasure request: `privacy:erase:REQUEST:ASKER`. The request row is consumed
    when pressed, so the erasure runs once."""

    not_yours = NOT_YOURS
    request: int
    user: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        eraser = cast(Eraser, loaded_cog(interaction, COG_NAME))
        await eraser.confirm_erasure(interaction, self.request, self.user)
