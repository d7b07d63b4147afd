"""/escalation: what a server sets for itself. Its own distress phrases (moderators) and when an
unclaimed alert pages the moderators, then the admins (admins). Discord glue only."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T

from bot.checks import ADMIN, MODERATOR, Audience
from bot.client import Bot
from bot.feature import Feature
from bot.kit.text import escape_member_text
from bot.tree import translator
from cogs.escalation import render
from cogs.escalation.detection import CATEGORIES
from cogs.escalation.duty import MAX_WIDEST_REPEATS, WIDEST_REPEAT_SECONDS, DutyService
from cogs.escalation.service import EscalationService

CATEGORY_CHOICES = [
    app_commands.Choice(name=_T(render.CATEGORY_NAMES[c]), value=c) for c in CATEGORIES
]
SEVERITY_CHOICES = [
    app_commands.Choice(name=_T(label), value=key) for key, label in render.SEVERITY_LABELS.items()
]


class EscalationSettingsCog(Feature, name="Escalation settings"):
    """/escalation. Declares nothing to core: the alerts, buttons and jobs are EscalationCog's."""

    escalation_group = app_commands.Group(
        name="escalation",
        description=_T("Distress escalation: phrases and paging (moderators)"),
        guild_only=True,
    )
    phrases_group = app_commands.Group(
        name="phrases",
        description=_T("The phrases that raise a distress alert on this server"),
        parent=escalation_group,
    )

    def __init__(self, bot: Bot, service: EscalationService, duty: DutyService) -> None:
        super().__init__(bot)
        self.service = service
        self.duty = duty

    # ------------------------------------------------------------------ /escalation phrases

    @phrases_group.command(
        name="add",
        description=_T("Add a phrase that raises a distress alert on this server"),
        extras=MODERATOR,
    )
    @app_commands.describe(
        phrase=_T("Words to look for, e.g. a local expression"),
        category=_T("What the phrase signals"),
        severity=_T("How urgent it is (low never alerts on its own)"),
    )
    @app_commands.choices(category=CATEGORY_CHOICES, severity=SEVERITY_CHOICES)
    async def phrases_add(
        self,
        interaction: discord.Interaction[Bot],
        phrase: str,
        category: str,
        severity: str,
    ) -> None:
        member = await self.bot.access.require(interaction, Audience.MODERATOR)
        t = await translator(interaction)
        added = await self.service.add_phrase(
            member.guild.id, phrase, category, severity, member.id
        )
        await interaction.response.send_message(
            t(
                "Added “{phrase}” ({category}, {severity}). Messages on this server that contain "
                "it now raise an alert.",
                phrase=added.phrase,
                category=render.category_name(added.category, t),
                severity=render.severity_name(added.severity, t),
            ),
            ephemeral=True,
        )

    @phrases_group.command(
        name="remove",
        description=_T("Remove one of this server's own phrases"),
        extras=MODERATOR,
    )
    @app_commands.describe(phrase=_T("The phrase to remove"))
    async def phrases_remove(self, interaction: discord.Interaction[Bot], phrase: str) -> None:
        member = await self.bot.access.require(interaction, Audience.MODERATOR)
        t = await translator(interaction)
        await self.service.remove_phrase(member.guild.id, phrase, member.id)
        await interaction.response.send_message(
            t("Removed “{phrase}” from this server's phrases.", phrase=phrase), ephemeral=True
        )

    @phrases_remove.autocomplete("phrase")
    async def phrases_remove_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None or not isinstance(interaction.user, discord.Member):
            return []
        if not await self.bot.access.is_moderator(interaction.user):
            return []
        phrases = await self.service.phrases(interaction.guild_id)
        current = current.casefold()
        return [
            app_commands.Choice(name=p.phrase[:100], value=p.phrase[:100])
            for p in phrases
            if current in p.phrase.casefold()
        ][:25]

    @phrases_group.command(
        name="list",
        description=_T("Show this server's own distress phrases"),
        extras=MODERATOR,
    )
    async def phrases_list(self, interaction: discord.Interaction[Bot]) -> None:
        member = await self.bot.access.require(interaction, Audience.MODERATOR)
        t = await translator(interaction)
        phrases = await self.service.phrases(member.guild.id)
        builtin = len(self.service.detector.builtin)
        embed = discord.Embed(
            title=t("Distress phrases on {server}", server=member.guild.name),
            colour=discord.Colour.blurple(),
        )
        if phrases:
            lines = [
                f"• {escape_member_text(p.phrase)} · "
                f"{render.category_name(p.category, t)} · {render.severity_name(p.severity, t)}"
                for p in phrases
            ]
            text = "\n".join(lines)
            embed.description = text if len(text) <= 4000 else text[:3990] + "\n…"
        else:
            embed.description = t(
                "This server has no phrases of its own yet. Add one with /escalation phrases add."
            )
        embed.set_footer(
            text=t(
                "Plus {n} built-in phrases every server shares (cogs/escalation/data).",
                n=builtin,
            )
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    # ------------------------------------------------------------------ /escalation paging

    @escalation_group.command(
        name="paging",
        description=_T("Choose when unclaimed alerts page the moderators, then the admins"),
        extras=ADMIN,
    )
    @app_commands.describe(
        moderators_after=_T("Minutes before the moderator role is pinged (default 5)"),
        admins_after=_T("Minutes before the admins are pinged (default 10)"),
        every=_T("Minutes between pages while an alert stays unclaimed (default 5)"),
    )
    @app_commands.rename(moderators_after="moderators-after", admins_after="admins-after")
    async def paging(
        self,
        interaction: discord.Interaction[Bot],
        moderators_after: int,
        admins_after: int,
        every: int | None = None,
    ) -> None:
        member = await self.bot.access.require(interaction, Audience.ADMIN)
        t = await translator(interaction)
        if every is not None:
            self.duty.check_repage_every(every)  # refused before anything is written
        settings = await self.service.set_paging(
            member.guild.id, moderators_after, admins_after, member.id
        )
        if every is not None:
            duty = await self.duty.set_repage_every(member.guild.id, every, member.id)
        else:
            duty = await self.duty.settings(member.guild.id)
        text = t(
            "Unclaimed alerts will page the moderator role after {moderators} minutes and "
            "the admins after {admins} minutes.",
            moderators=settings.page_after_seconds // 60,
            admins=settings.admin_page_after_seconds // 60,
        )
        text += " " + t(
            "When moderators are on duty, they are paged first and the role {every} minutes "
            "later; each page waits at least {every} minutes after the one before. Still "
            "unclaimed, the admins are paged again every {widest} minutes, {n} more times.",
            every=duty.repage_every_seconds // 60,
            widest=WIDEST_REPEAT_SECONDS // 60,
            n=MAX_WIDEST_REPEATS,
        )
        await interaction.response.send_message(text, ephemeral=True)
