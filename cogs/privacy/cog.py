"""/privacy: members' own data rights, the Discord side. `/privacy export` sends the member a
file of everything the bot stores about them on this server; `/privacy delete` erases it after a
confirmation button, keeping only what safety requires and saying what and why; admins use
`/privacy delete-member` for a member who asked them by other means. The rules are in
service.py; each feature exports and erases its own records through core's registries."""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T

from bot.checks import ADMIN, MEMBER, Audience
from bot.client import Bot
from bot.feature import Feature, Rebuilder
from bot.i18n import N_, Translate
from bot.modlog import ActionText
from bot.registry import Kept
from bot.tree import translator
from cogs.privacy.service import PRIVACY_ERASED, Erasure, PrivacyService
from cogs.privacy.views import COG_NAME, EraseButton

log = logging.getLogger(__name__)

FORGET_JOB = "privacy:forget"
FORGET_EVERY_HOURS = 6
ERASED_TEXT = ActionText(N_("Data erased"), N_("{actor} erased a member's data at their request."))


class PrivacyCog(Feature, name=COG_NAME):
    """/privacy export, /privacy delete, /privacy delete-member. Exports and erases core's own
    record of the member (the mod log); every other feature does its own."""

    persistent_items = (EraseButton,)
    job_prefix = "privacy:"

    privacy = app_commands.Group(
        name="privacy",
        description=_T("See or erase what the bot keeps about you"),
        guild_only=True,
    )

    def __init__(self, bot: Bot) -> None:
        super().__init__(bot)
        self.service = PrivacyService(
            bot.db, bot.clock, bot.modlog, bot.guild_settings, bot.data_export, bot.data_deletion
        )

    # ------------------------------------------------------------------ the contract

    def mod_log_actions(self) -> Mapping[str, ActionText]:
        return {PRIVACY_ERASED: ERASED_TEXT}

    def job_rebuilders(self) -> Sequence[Rebuilder]:
        return (self._rebuild,)

    async def export_user_data(self, guild_id: int, user_id: int) -> Mapping[str, Any]:
        return await self.service.export_mod_log(guild_id, user_id)

    async def delete_user_data(self, guild_id: int, user_id: int) -> list[Kept] | None:
        return await self.service.forget_mod_log(guild_id, user_id)

    async def _rebuild(self) -> None:
        self.bot.scheduler.add_job(
            self.forget_due,
            "interval",
            hours=FORGET_EVERY_HOURS,
            id=FORGET_JOB,
            replace_existing=True,
        )

    async def forget_due(self) -> None:
        await self.service.forget_due()

    # ------------------------------------------------------------------ /privacy export

    @privacy.command(
        name="export",
        description=_T("Get a file of everything the bot keeps about you here"),
        extras=MEMBER,
    )
    async def export(self, interaction: discord.Interaction[Bot]) -> None:
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        t = await translator(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        document = await self.service.export(member.guild.id, member.id)
        data = self.service.export_file(document)
        name = f"my-data-{member.guild.id}.json"
        note = t(
            "Everything the support bot keeps about you on {server}, as a JSON file (any text "
            "editor opens it). Anonymous votes and feedback are not in it: nothing links them "
            "to you. To erase what can be erased, use /privacy delete.",
            server=discord.utils.escape_markdown(member.guild.name),
        )
        if document.get("incomplete"):
            note += "\n" + t(
                "Part of it could not be read just now ({features}): please ask again later.",
                features=", ".join(document["incomplete"]),
            )
        try:
            await member.send(note, file=discord.File(io.BytesIO(data), filename=name))
        except discord.HTTPException:
            # DMs closed (or refused): the same file, here, visible to them only.
            await interaction.followup.send(
                t("I couldn't send you a direct message, so here it is.") + "\n" + note,
                file=discord.File(io.BytesIO(data), filename=name),
                ephemeral=True,
            )
            return
        await interaction.followup.send(t("I sent you the file by direct message."), ephemeral=True)

    # ------------------------------------------------------------------ /privacy delete

    @privacy.command(
        name="delete",
        description=_T("Erase what the bot keeps about you here (asks to confirm)"),
        extras=MEMBER,
    )
    async def delete(self, interaction: discord.Interaction[Bot]) -> None:
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        t = await translator(interaction)
        request = await self.service.request(member.guild.id, member.id, member.id)
        text = t(
            "This erases what the support bot keeps about you on this server: your group "
            "memberships (you leave your groups and lose access to their channels), waitlist "
            "places, join requests, RSVPs and agreements. A few records that keep members safe "
            "are kept for a while, and I will tell you which and why. It cannot be undone. "
            "Press the button within 15 minutes to go ahead."
        )
        await interaction.response.send_message(
            text, view=self._confirm_view(request, member.id, t), ephemeral=True
        )

    @privacy.command(
        name="delete-member",
        description=_T("Erase a member's data at their request (admins)"),
        extras=ADMIN,
    )
    @app_commands.describe(member=_T("The member who asked (they may have left the server)"))
    async def delete_member(
        self, interaction: discord.Interaction[Bot], member: discord.User
    ) -> None:
        admin = await self.bot.access.require(interaction, Audience.ADMIN)
        t = await translator(interaction)
        if member.bot:
            await interaction.response.send_message(
                t("Bots have no data of their own here."), ephemeral=True
            )
            return
        request = await self.service.request(admin.guild.id, member.id, admin.id)
        text = t(
            "This erases what the support bot keeps about {member} on this server, as they "
            "asked: group memberships (they lose access to their groups), waitlist places, join "
            "requests, RSVPs and agreements. Records that keep members safe are kept for a "
            "while, and you will see which and why. It cannot be undone. Press the button "
            "within 15 minutes to go ahead.",
            member=member.mention,
        )
        await interaction.response.send_message(
            text, view=self._confirm_view(request, admin.id, t), ephemeral=True
        )

    def _confirm_view(self, request: int, asker: int, t: Translate) -> discord.ui.View:
        view = discord.ui.View(timeout=None)
        view.add_item(EraseButton(request=request, user=asker, label=t("Yes, erase it")))
        return view

    async def confirm_erasure(
        self, interaction: discord.Interaction[Any], request_id: int, user_id: int
    ) -> None:
        """The button: the request is consumed first, so the erasure runs once."""
        t = await translator(interaction)
        guild_id, member_id = await self.service.confirm(request_id, user_id)
        await interaction.response.defer()
        erasure = await self.service.erase(guild_id, member_id, user_id)
        own = member_id == user_id
        await interaction.edit_original_response(
            content=self._outcome(erasure, t, own=own, member_id=member_id)[:2000], view=None
        )

    @staticmethod
    def _outcome(erasure: Erasure, t: Translate, *, own: bool, member_id: int) -> str:
        lines = [t("Done.") if own else t("Done for <@{member}>.", member=member_id)]
        if erasure.erased:
            lines.append(t("Erased:"))
            lines += [f"• {t(name)}: {n}" for name, n in erasure.erased.items()]
        else:
            lines.append(t("There was nothing to erase."))
        if erasure.kept:
            lines.append(t("Kept, and why:"))
            lines += [f"• {t(k.what, **k.values)}: {t(k.why, **k.values)}" for k in erasure.kept]
        if erasure.remaining:
            lines.append(t("Still stored (in /privacy export, explained in PRIVACY.md):"))
            lines += [f"• {t(name)}: {n}" for name, n in erasure.remaining.items()]
        if erasure.failed:
            lines.append(
                t(
                    "Part of it could not be erased just now ({features}). The admins can run "
                    "/privacy delete-member later.",
                    features=", ".join(erasure.failed),
                )
            )
        lines.append(
            t("Anonymous votes and feedback were never linked to you, so nothing of them was kept.")
        )
        return "\n".join(lines)
