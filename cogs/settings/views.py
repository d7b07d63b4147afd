"""/setup's buttons. The view depends on what it needs from the cog, not on the cog class."""

from __future__ import annotations

from typing import Any, Protocol

import discord

from bot.i18n import Translate
from bot.ui import BaseView


class TestAlertSender(Protocol):
    async def send_test_alert(self, interaction: discord.Interaction[Any]) -> None: ...


class TestAlertView(BaseView):
    """Under /setup show: lets an admin check the escalation channel with one click."""

    def __init__(self, cog: TestAlertSender, t: Translate) -> None:
        super().__init__(timeout=600)
        self.cog = cog
        button: discord.ui.Button[TestAlertView] = discord.ui.Button(
            label=t("Send a test alert"),
            style=discord.ButtonStyle.secondary,
            custom_id="settings:test_alert",
        )
        button.callback = self._send
        self.add_item(button)

    async def _send(self, interaction: discord.Interaction[Any]) -> None:
        await self.cog.send_test_alert(interaction)
