"""/help: what the caller may do here, by role, in a few lines.

Built from the command tree itself: every command declares its audience in `extras`, so the
help never lists a command the caller would be refused, and never forgets a new one.
"""

from __future__ import annotations

from collections import defaultdict

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T

from bot.checks import AUDIENCE_NAMES, MEMBER, ROLE_NAMES, Audience
from bot.client import Bot
from bot.feature import Feature
from bot.tree import translator


class HelpCog(Feature):
    """/help. Declares nothing to core and keeps no data."""

    @app_commands.command(
        name="help",
        description=_T("What you can do with the support bot here"),
        extras=MEMBER,
    )
    async def help(self, interaction: discord.Interaction[Bot]) -> None:
        t = await translator(interaction)
        member = interaction.user
        if isinstance(member, discord.Member):
            audience = await self.bot.access.audience(member)
        else:
            audience = Audience.MEMBER  # in DMs only member commands make sense
        sections: dict[Audience, list[str]] = defaultdict(list)
        for command in self.bot.tree.walk_commands():
            if isinstance(command, app_commands.Group):
                continue
            needed = Audience(command.extras.get("audience", Audience.ADMIN))
            if needed > audience:
                continue
            if interaction.guild is None and command.guild_only:
                continue
            name = t.command(command.qualified_name)  # as Discord shows it to the reader
            sections[needed].append(f"`/{name}` {t(command.description)}")
        intro = t(
            "I help this server's peer support groups. Everything you do with me is private "
            "unless a command says otherwise. If you are struggling right now, please tell "
            "a moderator: you don't have to go through it alone."
        )
        if audience > Audience.MEMBER:
            intro += "\n\n" + t("You are a {role} here.", role=t(ROLE_NAMES[audience]))
        embed = discord.Embed(
            title=t("What you can do here"),
            description=intro,
            colour=discord.Colour.blurple(),
        )
        for level in sorted(sections):
            # A field holds 1,024 characters: a long list goes on in a second field rather
            # than losing the commands past the limit.
            chunk: list[str] = []
            for line in [*sorted(sections[level]), None]:
                if chunk and (line is None or len("\n".join([*chunk, line])) > 1024):
                    embed.add_field(
                        name=t(AUDIENCE_NAMES[level]), value="\n".join(chunk), inline=False
                    )
                    chunk = []
                if line is not None:
                    chunk.append(line[:1024])
        await interaction.response.send_message(embed=embed, ephemeral=True)
