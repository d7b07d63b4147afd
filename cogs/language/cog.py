"""/language: a member picks the language the bot uses with them, when their Discord language
is not the one they want. Any member may run it; the answer is private.

The choice lives in core (bot/member_language.py, `bot.languages`), which every private reply
and direct message reads; this feature is its command and its privacy hooks (the choice and the
Discord locale last seen are personal data: /privacy export shows them, /privacy delete forgets
them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T

from bot.checks import MEMBER, Audience
from bot.client import Bot
from bot.feature import Feature
from bot.i18n import LANGUAGES, Translate, language_of
from bot.tree import translator

FOLLOW_DISCORD = "discord"


class LanguageCog(Feature, name="Language"):
    """/language, and the privacy hooks of what core keeps about a member's language."""

    @app_commands.command(
        name="language",
        description=_T("Choose the language the bot uses with you"),
        extras=MEMBER,
    )
    @app_commands.describe(language=_T("Follow your Discord language, or choose one"))
    @app_commands.choices(
        language=[
            app_commands.Choice(name=_T("Follow my Discord language"), value=FOLLOW_DISCORD),
            *(app_commands.Choice(name=name, value=code) for code, name in LANGUAGES.items()),
        ]
    )
    @app_commands.guild_only()
    async def language(self, interaction: discord.Interaction[Bot], language: str) -> None:
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        if language != FOLLOW_DISCORD and language not in LANGUAGES:
            t = await translator(interaction)
            await interaction.response.send_message(
                t(
                    "I can speak {languages} so far. Pick one of those.",
                    languages=", ".join(LANGUAGES.values()),
                ),
                ephemeral=True,
            )
            return
        chosen = None if language == FOLLOW_DISCORD else language
        locale = str(interaction.locale)
        await self.bot.languages.choose(member.guild.id, member.id, chosen, locale)
        t = await translator(interaction)  # already in the new language
        await interaction.response.send_message(self._said(t, chosen, locale), ephemeral=True)

    @staticmethod
    def _said(t: Translate, chosen: str | None, locale: str) -> str:
        if chosen is not None:
            return t(
                "From now on I'll write to you in {language} here: my answers, forms and "
                "direct messages. Posts in the server's channels stay in the server's language.",
                language=t.language_name(chosen),
            )
        if language_of(locale) is None:
            return t(
                "I'll follow your Discord language again. I don't speak it yet, so I'll use "
                "the server's language, {language}.",
                language=t.language_name(t.language),
            )
        return t(
            "I'll follow your Discord language again: {language}.",
            language=t.language_name(t.language),
        )

    async def export_user_data(self, guild_id: int, user_id: int) -> Mapping[str, Any]:
        return await self.bot.languages.export(guild_id, user_id)

    async def delete_user_data(self, guild_id: int, user_id: int) -> None:
        await self.bot.languages.forget(guild_id, user_id)
