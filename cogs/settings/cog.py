"""/setup: the server's settings, for server admins only.

Discord hides /setup from people without Manage Server (default permissions), and every
subcommand checks again in our code, because an admin can change who sees a command in Server
Settings > Integrations."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T

from bot.checks import ADMIN, Audience
from bot.client import Bot
from bot.dispatcher import Rendered, Renderer, server_of
from bot.errors import UserError
from bot.feature import Feature, OutboxKind
from bot.guild_settings import (
    CHANNEL_CONFIRMED,
    TEST_ALERT,
    GuildSettings,
    PrivateChannel,
    region_label,
    search_regions,
)
from bot.i18n import LANGUAGES, N_, Translate
from bot.kit.zones import timezone_autocomplete
from bot.outbox import OutboxMessage
from bot.permissions import alert_chain
from bot.tree import translator
from cogs.settings.checks import chain_text, private_channel_problem
from cogs.settings.views import TestAlertView

log = logging.getLogger(__name__)


class SettingsCog(Feature):
    """/setup and the notes core's settings send (a test alert, a channel confirmed). No
    data-deletion hook: the settings belong to the server (PRIVACY.md)."""

    setup_group = app_commands.Group(
        name="setup",
        description=_T("Server settings for the support bot (admins)"),
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def outbox_kinds(self) -> Mapping[str, OutboxKind | Renderer]:
        return {
            TEST_ALERT: self._render_test_alert,
            CHANNEL_CONFIRMED: self._render_channel_confirmed,
        }

    # ------------------------------------------------------------------ show

    @setup_group.command(
        name="show",
        description=_T("Show this server's settings and what is missing"),
        extras=ADMIN,
    )
    async def show(self, interaction: discord.Interaction[Bot]) -> None:
        member = await self.bot.access.require(interaction, Audience.ADMIN)
        t = await translator(interaction)
        settings = await self.bot.guild_settings.get(member.guild.id)
        embed = self._settings_embed(member.guild, settings, t)
        view = (
            TestAlertView(self, t)
            if settings.escalation_channel_id is not None
            else discord.utils.MISSING
        )
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    def _settings_embed(
        self, guild: discord.Guild, settings: GuildSettings, t: Translate
    ) -> discord.Embed:
        def channel_text(channel_id: int | None) -> str:
            if channel_id is None:
                return t("not set")
            channel = guild.get_channel(channel_id)
            return channel.mention if channel is not None else t("deleted channel")

        role = guild.get_role(settings.moderator_role_id) if settings.moderator_role_id else None
        embed = discord.Embed(title=t("Settings for {server}", server=guild.name))
        embed.add_field(
            name=t("Moderator role"),
            value=role.mention if role else t("not set"),
            inline=False,
        )
        embed.add_field(
            name=t("Escalation channel"),
            value=channel_text(settings.escalation_channel_id),
            inline=False,
        )
        embed.add_field(
            name=t("Mod-log channel"), value=channel_text(settings.mod_log_channel_id), inline=False
        )
        embed.add_field(
            name=t("Region for crisis resources"),
            value=region_label(settings.effective_region, t),
            inline=True,
        )
        embed.add_field(name=t("Default time zone"), value=settings.effective_timezone, inline=True)
        embed.add_field(
            name=t("Language"),
            value=t.language_name(settings.language),
            inline=True,
        )
        embed.add_field(
            name=t("Keep private words after a case is closed"),
            value=t("{days} days", days=settings.retention_days),
            inline=True,
        )
        embed.add_field(
            name=t("Warnings count for"),
            value=t("{days} days", days=settings.warning_expiry_days),
            inline=True,
        )
        embed.add_field(
            name=t("Crisis cases keep the member's name after closing"),
            value=t("{days} days", days=settings.case_retention_days),
            inline=True,
        )
        embed.add_field(
            name=t("Where an alert goes (first that works)"),
            value=chain_text(alert_chain(guild, settings), t)[:1024],
            inline=False,
        )
        warnings = self._warnings(guild, settings, t)
        if warnings:
            embed.add_field(
                name=t("Needs attention"),
                value="\n".join(f"⚠️ {w}" for w in warnings)[:1024],
                inline=False,
            )
            embed.colour = discord.Colour.orange()
        else:
            embed.description = t("Everything the bot needs is set up.")
            embed.colour = discord.Colour.green()
        return embed

    def _warnings(self, guild: discord.Guild, settings: GuildSettings, t: Translate) -> list[str]:
        warnings: list[str] = []
        if settings.escalation_channel_id is None:
            warnings.append(
                t(
                    "No escalation channel: alerts about members in distress have nowhere to go. "
                    "Set one with /setup escalation-channel."
                )
            )
        else:
            channel = guild.get_channel(settings.escalation_channel_id)
            if not isinstance(channel, discord.TextChannel):
                warnings.append(
                    t(
                        "The escalation channel was deleted. Choose a new one with "
                        "/setup escalation-channel."
                    )
                )
            elif problem := private_channel_problem(channel, settings.moderator_role_id, t):
                warnings.append(problem)
        if settings.moderator_role_id is None:
            warnings.append(
                t(
                    "No moderator role: only admins can moderate. "
                    "Set one with /setup moderator-role."
                )
            )
        elif guild.get_role(settings.moderator_role_id) is None:
            warnings.append(
                t("The moderator role was deleted. Choose a new one with /setup moderator-role.")
            )
        if settings.mod_log_channel_id is None:
            warnings.append(
                t(
                    "No mod-log channel: moderation actions are not logged in Discord. "
                    "Set one with /setup mod-log-channel."
                )
            )
        else:
            channel = guild.get_channel(settings.mod_log_channel_id)
            if not isinstance(channel, discord.TextChannel):
                warnings.append(
                    t(
                        "The mod-log channel was deleted. Choose a new one with "
                        "/setup mod-log-channel."
                    )
                )
            elif problem := private_channel_problem(channel, settings.moderator_role_id, t):
                warnings.append(problem)
        if settings.region is None:
            warnings.append(
                t(
                    "No region: members in crisis get international helplines. Set your country "
                    "with /setup region."
                )
            )
        warnings.extend(self._unconfirmed_lines(settings.effective_region, t))
        return warnings

    def _unconfirmed_lines(self, region: str, t: Translate) -> list[str]:
        """A crisis line of the server's country that nobody could confirm against its official
        page yet: the admin is asked to check it (members are never told it is uncertain)."""
        source = self.bot.facts.helplines
        if source is None:
            return []
        return [
            t(
                "The crisis line “{name}” ({region}) has not been confirmed against its official "
                "page yet. Open <{page}> and check the number before members rely on it; if it is "
                "wrong, tell whoever runs this bot so the list can be corrected.",
                name=line.name,
                region=region_label(region, t),
                page=line.source,
            )
            for line in source.unconfirmed(region)
        ]

    # ------------------------------------------------------------------ setters

    @setup_group.command(
        name="moderator-role",
        description=_T("Choose the role of the people who moderate this server"),
        extras=ADMIN,
    )
    @app_commands.describe(role=_T("The moderators' role"))
    async def moderator_role(
        self, interaction: discord.Interaction[Bot], role: discord.Role
    ) -> None:
        member = await self.bot.access.require(interaction, Audience.ADMIN)
        t = await translator(interaction)
        if role.managed:
            raise UserError(
                N_("{role} belongs to a bot or an integration. Choose a role people can be given."),
                role=role.mention,
            )
        await self.bot.guild_settings.set_moderator_role(member.guild.id, role.id, member.id)
        lines = [t("Moderators are now the people with {role}.", role=role.mention)]
        if not role.mentionable:
            lines.append(
                t(
                    "Note: {role} can't be mentioned, so urgent pages can't notify moderators. "
                    "Turn on “Allow anyone to @mention this role” in Server Settings > Roles.",
                    role=role.mention,
                )
            )
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @setup_group.command(
        name="escalation-channel",
        description=_T("Choose the private channel where distress alerts go"),
        extras=ADMIN,
    )
    @app_commands.describe(channel=_T("A channel only moderators can see"))
    async def escalation_channel(
        self, interaction: discord.Interaction[Bot], channel: discord.TextChannel
    ) -> None:
        await self._set_channel(interaction, channel, "escalation")

    @setup_group.command(
        name="mod-log-channel",
        description=_T("Choose the private channel where moderation actions are logged"),
        extras=ADMIN,
    )
    @app_commands.describe(channel=_T("A channel only moderators can see"))
    async def mod_log_channel(
        self, interaction: discord.Interaction[Bot], channel: discord.TextChannel
    ) -> None:
        await self._set_channel(interaction, channel, "mod_log")

    async def _set_channel(
        self,
        interaction: discord.Interaction[Bot],
        channel: discord.TextChannel,
        which: PrivateChannel,
    ) -> None:
        member = await self.bot.access.require(interaction, Audience.ADMIN)
        t = await translator(interaction)
        settings = await self.bot.guild_settings.get(member.guild.id)
        problem = private_channel_problem(channel, settings.moderator_role_id, t)
        if problem:
            raise UserError(problem)
        await self.bot.guild_settings.set_private_channel(
            member.guild.id, which, channel.id, member.id
        )
        text = (
            t(
                "Distress alerts will go to {channel}. I've posted a note there to check that I "
                "can.",
                channel=channel.mention,
            )
            if which == "escalation"
            else t(
                "Moderation actions will be logged in {channel}. I've posted a note there to "
                "check that I can.",
                channel=channel.mention,
            )
        )
        await interaction.response.send_message(text, ephemeral=True)

    @setup_group.command(
        name="region",
        description=_T("Choose the country whose crisis helplines members are given"),
        extras=ADMIN,
    )
    @app_commands.describe(region=_T("Start typing the country's name"))
    async def region(self, interaction: discord.Interaction[Bot], region: str) -> None:
        member = await self.bot.access.require(interaction, Audience.ADMIN)
        t = await translator(interaction)
        settings = await self.bot.guild_settings.set_region(member.guild.id, region, member.id)
        lines = [
            t(
                "Crisis resources will be for: {region}.",
                region=region_label(settings.effective_region, t),
            ),
            *self._unconfirmed_lines(settings.effective_region, t),
        ]
        await interaction.response.send_message("\n\n".join(lines), ephemeral=True)

    @region.autocomplete("region")
    async def region_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        t = await translator(interaction)
        return [
            app_commands.Choice(name=c.name, value=c.value) for c in search_regions(current, t=t)
        ]

    @setup_group.command(
        name="timezone",
        description=_T("Choose the time zone new groups start with"),
        extras=ADMIN,
    )
    @app_commands.describe(zone=_T("A city-based zone such as America/New_York"))
    async def timezone(self, interaction: discord.Interaction[Bot], zone: str) -> None:
        member = await self.bot.access.require(interaction, Audience.ADMIN)
        t = await translator(interaction)
        settings = await self.bot.guild_settings.set_timezone(member.guild.id, zone, member.id)
        await interaction.response.send_message(
            t("New groups will use the time zone {zone}.", zone=settings.effective_timezone),
            ephemeral=True,
        )

    timezone.autocomplete("zone")(timezone_autocomplete)

    @setup_group.command(
        name="language",
        description=_T("Choose the language the bot uses in this server's channels"),
        extras=ADMIN,
    )
    @app_commands.describe(language=_T("The server's language"))
    @app_commands.choices(
        language=[app_commands.Choice(name=name, value=code) for code, name in LANGUAGES.items()]
    )
    async def language(self, interaction: discord.Interaction[Bot], language: str) -> None:
        member = await self.bot.access.require(interaction, Audience.ADMIN)
        settings = await self.bot.guild_settings.set_language(member.guild.id, language, member.id)
        t = await translator(interaction)
        await interaction.response.send_message(
            t(
                "The bot will speak {language} in this server's channels.",
                language=t.language_name(settings.language),
            ),
            ephemeral=True,
        )

    @setup_group.command(
        name="retention",
        description=_T("Choose how long members' private words are kept after a case closes"),
        extras=ADMIN,
    )
    @app_commands.describe(days=_T("Days to keep them (7 to 3650)"))
    async def retention(self, interaction: discord.Interaction[Bot], days: int) -> None:
        member = await self.bot.access.require(interaction, Audience.ADMIN)
        t = await translator(interaction)
        settings = await self.bot.guild_settings.set_retention_days(
            member.guild.id, days, member.id
        )
        await interaction.response.send_message(
            t(
                "The words of members in distress will be kept {days} days after their case is "
                "closed, then deleted.",
                days=settings.retention_days,
            ),
            ephemeral=True,
        )

    @setup_group.command(
        name="warning-expiry",
        description=_T("Choose how long a warning counts before it expires"),
        extras=ADMIN,
    )
    @app_commands.describe(days=_T("Days a warning counts (7 to 3650)"))
    async def warning_expiry(self, interaction: discord.Interaction[Bot], days: int) -> None:
        member = await self.bot.access.require(interaction, Audience.ADMIN)
        t = await translator(interaction)
        settings = await self.bot.guild_settings.set_warning_expiry_days(
            member.guild.id, days, member.id
        )
        await interaction.response.send_message(
            t(
                "A warning will count for {days} days. After that it no longer counts, and "
                "/warnings shows it as expired.",
                days=settings.warning_expiry_days,
            ),
            ephemeral=True,
        )

    @setup_group.command(
        name="case-retention",
        description=_T("Choose how long a closed crisis case keeps the member's name"),
        extras=ADMIN,
    )
    @app_commands.describe(days=_T("Days after a case closes (30 to 3650)"))
    async def case_retention(self, interaction: discord.Interaction[Bot], days: int) -> None:
        member = await self.bot.access.require(interaction, Audience.ADMIN)
        t = await translator(interaction)
        settings = await self.bot.guild_settings.set_case_retention_days(
            member.guild.id, days, member.id
        )
        await interaction.response.send_message(
            t(
                "A crisis case will keep the member's name for {days} days after it is closed. "
                "After that it keeps only its category and dates, without the member.",
                days=settings.case_retention_days,
            ),
            ephemeral=True,
        )

    @setup_group.command(
        name="test-alert",
        description=_T("Send a test alert to the escalation channel"),
        extras=ADMIN,
    )
    async def test_alert(self, interaction: discord.Interaction[Bot]) -> None:
        await self.send_test_alert(interaction)

    async def send_test_alert(self, interaction: discord.Interaction[Bot]) -> None:
        member = await self.bot.access.require(interaction, Audience.ADMIN)
        t = await translator(interaction)
        channel_id = await self.bot.guild_settings.queue_test_alert(member.guild.id, member.id)
        await interaction.response.send_message(
            t("A test alert is on its way to <#{channel}>.", channel=channel_id), ephemeral=True
        )

    # ------------------------------------------------------------------ renderers

    async def _render_test_alert(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        embed = discord.Embed(
            title=t("Test alert"),
            description=t(
                "This is a test requested by <@{user}> with /setup test-alert. Real alerts about "
                "members in distress will arrive here, with buttons to claim and resolve them.",
                user=message.payload["by"],
            ),
            colour=discord.Colour.blurple(),
        )
        return Rendered(embeds=[embed])

    async def _render_channel_confirmed(self, message: OutboxMessage) -> Rendered:
        t = await self.bot.guild_settings.translator(server_of(message))
        if message.payload.get("which") == "escalation":
            text = t(
                "<@{user}> chose this channel for distress alerts. When a member may be in "
                "crisis, an alert appears here for a moderator to claim. Keep this channel "
                "visible to moderators only.",
                user=message.payload["by"],
            )
        else:
            text = t(
                "<@{user}> chose this channel for the mod log. Moderation actions will be "
                "recorded here. Keep this channel visible to moderators only.",
                user=message.payload["by"],
            )
        return Rendered(content=text)
