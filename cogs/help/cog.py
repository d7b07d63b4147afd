"""/help: what the caller may do here, by role, in a few lines.

Built from the command tree itself: every command declares its audience in `extras`, so the
help never lists a command the caller would be refused, and never forgets a new one.

The page depends only on the reader's language, their role here (worked out on every call,
from the server's settings and the groups they lead as they are now) and whether they are in a
server; it is rendered once for each and kept (`HelpPages`) while the tree's commands and the
catalogues stay the ones it was rendered from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T

from bot.checks import AUDIENCE_NAMES, MEMBER, ROLE_NAMES, Audience
from bot.client import Bot
from bot.feature import Feature
from bot.i18n import COMMANDS_DOMAIN, Translate, catalog
from bot.tree import translator

FIELD_LIMIT = 1024  # characters in an embed field's value
PAGES_KEPT = 64  # pages kept at most (languages x roles x server or not: 16 today)


@dataclass(frozen=True)
class HelpPage:
    """The words of one /help answer: its title, introduction and fields (name, value)."""

    title: str
    intro: str
    fields: tuple[tuple[str, str], ...]

    def embed(self) -> discord.Embed:
        embed = discord.Embed(
            title=self.title, description=self.intro, colour=discord.Colour.blurple()
        )
        for name, value in self.fields:
            embed.add_field(name=name, value=value, inline=False)
        return embed


def render_page(
    commands: Sequence[app_commands.Command[Any, ..., Any] | app_commands.Group],
    t: Translate,
    audience: Audience,
    *,
    in_server: bool,
) -> HelpPage:
    """The commands (the tree walked) that `audience` may run, in the reader's language."""
    sections: dict[Audience, list[str]] = defaultdict(list)
    for command in commands:
        if isinstance(command, app_commands.Group):
            continue
        needed = Audience(command.extras.get("audience", Audience.ADMIN))
        if needed > audience:
            continue
        if not in_server and command.guild_only:
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
    fields: list[tuple[str, str]] = []
    for level in sorted(sections):
        # A field holds 1,024 characters: a long list goes on in a second field rather
        # than losing the commands past the limit.
        chunk: list[str] = []
        for line in [*sorted(sections[level]), None]:
            if chunk and (line is None or len("\n".join([*chunk, line])) > FIELD_LIMIT):
                fields.append((t(AUDIENCE_NAMES[level]), "\n".join(chunk)))
                chunk = []
            if line is not None:
                chunk.append(line[:FIELD_LIMIT])
    return HelpPage(t("What you can do here"), intro, tuple(fields))


class HelpPages:
    """Pages already rendered, by language, role and server-or-not. A page is kept with what it
    was rendered from: the tree's top-level commands (each one itself, so a feature loaded,
    unloaded or reloaded, or a command added or removed, is a new set) and the two catalogues
    of its language (loaded again: new objects). Either changed, it is rendered again.
    A subcommand added to a group already in the tree would not be seen: groups here are
    declared whole with their feature's cog, which adds or removes them with it."""

    def __init__(self) -> None:
        self._pages: dict[tuple[str, Audience, bool], tuple[tuple[object, ...], HelpPage]] = {}

    def page(
        self,
        tree: app_commands.CommandTree[Bot],
        t: Translate,
        audience: Audience,
        *,
        in_server: bool,
    ) -> HelpPage:
        made_from = (
            *tree.get_commands(),
            catalog(t.language),
            catalog(t.language, COMMANDS_DOMAIN),
        )
        key = (t.language, audience, in_server)
        kept = self._pages.get(key)
        if kept is not None and _same(kept[0], made_from):
            return kept[1]
        page = render_page(list(tree.walk_commands()), t, audience, in_server=in_server)
        if len(self._pages) >= PAGES_KEPT:
            self._pages.clear()
        self._pages[key] = (made_from, page)
        return page


def _same(kept: tuple[object, ...], now: tuple[object, ...]) -> bool:
    return len(kept) == len(now) and all(a is b for a, b in zip(kept, now, strict=True))


class HelpCog(Feature):
    """/help. Declares nothing to core and keeps no data."""

    def __init__(self, bot: Bot) -> None:
        super().__init__(bot)
        self.pages = HelpPages()

    @app_commands.command(
        name="help",
        description=_T("What you can do with the support bot here"),
        extras=MEMBER,
    )
    async def help(self, interaction: discord.Interaction[Bot]) -> None:
        t = await translator(interaction)
        member = interaction.user
        if isinstance(member, discord.Member):
            audience = await self.bot.access.audience(member)  # as the server is now
        else:
            audience = Audience.MEMBER  # in DMs only member commands make sense
        page = self.pages.page(self.bot.tree, t, audience, in_server=interaction.guild is not None)
        await interaction.response.send_message(embed=page.embed(), ephemeral=True)
