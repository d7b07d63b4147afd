"""/mentor: one-to-one peer support (issue 22), the Discord side. Members ask for a mentor or
offer to be one (private: every answer is ephemeral or a DM), coordinators (moderators, or the
role set with /mentor setup coordinator-role) approve mentors and confirm a suggested match,
both people accept privately, and the pair gets a private thread (or a DM introduction).
The rules are in service.py and pairing.py."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T

from bot.checks import ADMIN, LEADER, MEMBER, MODERATOR, Audience
from bot.client import Bot
from bot.errors import UserError
from bot.feature import Feature, OutboxKind, Rebuilder
from bot.i18n import N_
from bot.kit.zones import TimeZone
from bot.registry import Kept
from bot.tree import translator
from cogs.mentoring import rendering
from cogs.mentoring.actions import Actions
from cogs.mentoring.handlers import Handlers
from cogs.mentoring.model import (
    AGE_LABELS,
    BUDDY,
    CRITERIA,
    FREQUENCIES,
    GENDERS,
    LANGUAGES,
    MENTEE,
    MENTOR,
    ROLES,
    STAGES,
    Match,
)
from cogs.mentoring.pairing import PairingService
from cogs.mentoring.service import ASK, CHECKIN, GUIDE, NOTICE, OFFER, MentoringService
from cogs.mentoring.service_facts import MentoringFacts
from cogs.mentoring.views import (
    COG_NAME,
    PERSISTENT_ITEMS,
    PERSISTENT_MODALS,
    AboutModal,
    ConfirmButton,
    NoteModal,
    RematchButton,
)

log = logging.getLogger(__name__)

JOB = "mentoring:checkin:{}"
NOT_COORDINATOR = N_(
    "Only mentoring coordinators (the coordinator role) and moderators can do this."
)


def _choices(options: Mapping[str, str]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=label, value=key) for key, label in options.items()]


def _words(text: str | None) -> set[str]:
    return {w.strip().lower() for w in (text or "").replace(";", ",").split(",") if w.strip()}


DESCRIBE = {
    "role": _T("Patient, survivor or caregiver"),
    "cancer_type": _T("From the server's list"),
    "stage": _T("Stage, if you wish to say"),
    "age_band": _T("Your age band"),
    "language": _T("The language you talk in"),
    "time_zone": _T("Your time zone"),
    "frequency": _T("How often you can talk"),
    "other_language": _T("Another language you talk in"),
    "gender": _T("Your gender, if you wish to say"),
    "treatments": _T("Treatments, comma separated (surgery, chemo, ...)"),
    "must_match": _T("Must match, comma separated (cancer, language, gender, ...)"),
    "would_like": _T("Would like, comma separated (stage, age, ...)"),
}
PROFILE_CHOICES = {
    "role": _choices(ROLES),
    "stage": _choices(STAGES),
    "age_band": _choices(AGE_LABELS),
    "language": _choices(LANGUAGES),
    "other_language": _choices(LANGUAGES),
    "frequency": _choices(FREQUENCIES),
    "gender": _choices(GENDERS),
}


class MentoringCog(Actions, Handlers, Feature, name=COG_NAME):
    persistent_items = PERSISTENT_ITEMS
    persistent_modals = PERSISTENT_MODALS
    job_prefix = "mentoring:"

    mentor = app_commands.Group(
        name="mentor", description=_T("One-to-one peer support"), guild_only=True
    )
    setup_group = app_commands.Group(
        name="setup", description=_T("Set up mentoring"), parent=mentor
    )

    def __init__(self, bot: Bot) -> None:
        super().__init__(bot)
        self.service = MentoringService(bot.db, bot.clock, bot.outbox)
        self.pairing = PairingService(self.service)
        self._facts = MentoringFacts(bot.db)

    # ------------------------------------------------------------------ the contract

    def outbox_kinds(self) -> Mapping[str, OutboxKind | Any]:
        return {
            NOTICE: self._render_notice,
            ASK: self._render_ask,
            GUIDE: self._render_guide,
            CHECKIN: self._render_checkin,
            OFFER: self._render_offer,
        }

    def job_rebuilders(self) -> Sequence[Rebuilder]:
        return (self._rebuild,)

    async def cog_load(self) -> None:
        await super().cog_load()
        self.bot.facts.mentoring = self._facts  # for the programme report

    async def cog_unload(self) -> None:
        if self.bot.facts.mentoring is self._facts:
            self.bot.facts.mentoring = None
        await super().cog_unload()

    async def export_user_data(self, guild_id: int, user_id: int) -> Mapping[str, Any]:
        return await self.pairing.export(guild_id, user_id)

    async def delete_user_data(self, guild_id: int, user_id: int) -> list[Kept] | None:
        await self._withdraw(guild_id, user_id)
        return None

    async def _rebuild(self) -> None:
        for match in self.owned(await self.pairing.active()):
            self._arm(match)

    def _arm(self, match: Match) -> None:
        if match.next_checkin_at is None:
            return
        self.bot.scheduler.add_job(
            self.check_in,
            "date",
            run_date=datetime.fromtimestamp(match.next_checkin_at, UTC),
            args=(match.id,),
            id=JOB.format(match.id),
            replace_existing=True,
            misfire_grace_time=None,
        )

    def _disarm(self, match_id: int) -> None:
        job = self.bot.scheduler.get_job(JOB.format(match_id))
        if job is not None:
            job.remove()

    async def check_in(self, match_id: int) -> None:
        match = await self.pairing.check_in(match_id)
        if match is not None:
            self._arm(match)

    @mentor.command(name="request", description=_T("Ask for a mentor (private)"), extras=MEMBER)
    @app_commands.describe(**DESCRIBE)
    @app_commands.choices(**PROFILE_CHOICES)
    async def request(
        self,
        interaction: discord.Interaction[Bot],
        role: str,
        cancer_type: str,
        stage: str,
        age_band: str,
        language: str,
        time_zone: app_commands.Transform[str, TimeZone],
        frequency: str,
        other_language: str | None = None,
        gender: str | None = None,
        treatments: str | None = None,
        must_match: str | None = None,
        would_like: str | None = None,
    ) -> None:
        await self.bot.access.require(interaction, Audience.MEMBER)
        await self._save(
            interaction,
            MENTEE,
            role=role,
            cancer_type=cancer_type,
            stage=stage,
            age_band=age_band,
            language=language,
            time_zone=time_zone,
            frequency=frequency,
            other_language=other_language,
            gender=gender,
            treatments=treatments,
            must_match=must_match,
            would_like=would_like,
        )

    @mentor.command(name="offer", description=_T("Offer to be a mentor (private)"), extras=MEMBER)
    @app_commands.describe(capacity=_T("How many mentees at once (1-5)"), **DESCRIBE)
    @app_commands.choices(**PROFILE_CHOICES)
    async def offer(
        self,
        interaction: discord.Interaction[Bot],
        role: str,
        cancer_type: str,
        stage: str,
        age_band: str,
        language: str,
        time_zone: app_commands.Transform[str, TimeZone],
        frequency: str,
        capacity: app_commands.Range[int, 1, 5] = 1,
        other_language: str | None = None,
        gender: str | None = None,
        treatments: str | None = None,
        must_match: str | None = None,
        would_like: str | None = None,
    ) -> None:
        await self.bot.access.require(interaction, Audience.MEMBER)
        await self._save(
            interaction,
            MENTOR,
            role=role,
            cancer_type=cancer_type,
            stage=stage,
            age_band=age_band,
            language=language,
            time_zone=time_zone,
            frequency=frequency,
            capacity=capacity,
            other_language=other_language,
            gender=gender,
            treatments=treatments,
            must_match=must_match,
            would_like=would_like,
        )

    @mentor.command(
        name="buddy", description=_T("Group leaders: ask for a leader buddy"), extras=LEADER
    )
    @app_commands.describe(
        language=DESCRIBE["language"],
        time_zone=DESCRIBE["time_zone"],
        frequency=DESCRIBE["frequency"],
        other_language=DESCRIBE["other_language"],
    )
    @app_commands.choices(
        language=_choices(LANGUAGES),
        other_language=_choices(LANGUAGES),
        frequency=_choices(FREQUENCIES),
    )
    async def buddy(
        self,
        interaction: discord.Interaction[Bot],
        language: str,
        time_zone: app_commands.Transform[str, TimeZone],
        frequency: str,
        other_language: str | None = None,
    ) -> None:
        await self.bot.access.require(interaction, Audience.LEADER)
        await self._save(
            interaction,
            BUDDY,
            role="leader",
            language=language,
            time_zone=time_zone,
            frequency=frequency,
            other_language=other_language,
        )

    for _cmd in (request, offer):
        _cmd.autocomplete("cancer_type")(Actions._cancer_autocomplete)
        _cmd.autocomplete("must_match")(Actions._criteria_autocomplete)
        _cmd.autocomplete("would_like")(Actions._criteria_autocomplete)
    del _cmd

    @mentor.command(
        name="withdraw", description=_T("Delete your mentoring profile and matches"), extras=MEMBER
    )
    async def withdraw(self, interaction: discord.Interaction[Bot]) -> None:
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        t = await translator(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._withdraw(member.guild.id, member.id)
        await interaction.followup.send(
            t("Done: everything mentoring kept about you is deleted. Take care."), ephemeral=True
        )

    @mentor.command(
        name="about", description=_T("Add or change your own words (private)"), extras=MEMBER
    )
    @app_commands.describe(profile=_T("Which of your profiles"))
    @app_commands.choices(
        profile=[
            app_commands.Choice(name=_T("my request for a mentor"), value=MENTEE),
            app_commands.Choice(name=_T("my offer to mentor"), value=MENTOR),
            app_commands.Choice(name=_T("my leader buddy request"), value=BUDDY),
        ]
    )
    async def about(self, interaction: discord.Interaction[Bot], profile: str = MENTEE) -> None:
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        await AboutModal(guild=member.guild.id, kind=profile).open(interaction)

    @mentor.command(
        name="note",
        description=_T("Write privately to the coordinator about your match"),
        extras=MEMBER,
    )
    async def note(self, interaction: discord.Interaction[Bot]) -> None:
        await self.bot.access.require(interaction, Audience.MEMBER)
        await NoteModal(match=None).open(interaction)

    # ------------------------------------------------------------------ coordinators

    @mentor.command(
        name="approve", description=_T("Coordinators: approve a mentor"), extras=MODERATOR
    )
    @app_commands.describe(
        member=_T("The member who offered"), capacity=_T("How many mentees at once (1-5)")
    )
    async def approve(
        self,
        interaction: discord.Interaction[Bot],
        member: discord.Member,
        capacity: app_commands.Range[int, 1, 5] | None = None,
    ) -> None:
        await self._approve(interaction, member.id, capacity)

    @mentor.command(
        name="suggest",
        description=_T("Coordinators: the best matches for a member"),
        extras=MODERATOR,
    )
    @app_commands.describe(member=_T("The member who asked for a mentor or a leader buddy"))
    async def suggest(self, interaction: discord.Interaction[Bot], member: discord.Member) -> None:
        me = await self._coordinator(interaction)
        t = await translator(interaction)
        request, found = await self.service.suggest(me.guild.id, member.id)
        if not found:
            await interaction.response.send_message(
                t(
                    "Nobody fits <@{user}>'s request just now (their must-haves, a shared "
                    "language, or mentors with room).",
                    user=member.id,
                ),
                ephemeral=True,
            )
            return
        lines = [
            t(
                "Best matches for <@{user}> ({summary}):",
                user=member.id,
                summary=rendering.summary(t, request),
            )
        ]
        view = discord.ui.View(timeout=None)
        for n, s in enumerate(found, 1):
            reasons = ", ".join(t(CRITERIA[r]) for r in s.reasons)
            lines.append(f"{n}. <@{s.profile.user_id}> — {s.score:g} — {reasons}")
            view.add_item(
                ConfirmButton(
                    request=member.id, mentor=s.profile.user_id, label=t("Match with #{n}", n=n)
                )
            )
        await interaction.response.send_message("\n".join(lines), view=view, ephemeral=True)

    @mentor.command(
        name="end", description=_T("End your mentoring match, privately"), extras=MEMBER
    )
    @app_commands.describe(match=_T("Which match, if you have several"))
    async def end(self, interaction: discord.Interaction[Bot], match: int | None = None) -> None:
        member = await self.bot.access.require(interaction, Audience.MEMBER)
        t = await translator(interaction)
        ended = await self.pairing.end(member.guild.id, member.id, match)
        self._disarm(ended.id)
        await self._close_thread(ended.id, ended.thread_id)
        own = (
            MENTEE
            if ended.kind == "mentor" and ended.mentee_id == member.id
            else (BUDDY if ended.kind == "leader_buddy" else None)
        )
        text = t(
            "Your match has ended. The other person gets a kind message that does not say "
            "why, and the coordinator is told."
        )
        if own is None:
            await interaction.response.send_message(text, ephemeral=True)
            return
        view = discord.ui.View(timeout=None)
        view.add_item(
            RematchButton(
                guild=member.guild.id, kind=own, user=member.id, label=t("Match me again")
            )
        )
        await interaction.response.send_message(text, view=view, ephemeral=True)

    @mentor.command(
        name="stats", description=_T("Moderators: mentoring numbers (no words)"), extras=MODERATOR
    )
    async def stats(self, interaction: discord.Interaction[Bot]) -> None:
        member = await self.bot.access.require(interaction, Audience.MODERATOR)
        t = await translator(interaction)
        s = await self.pairing.stats(member.guild.id)
        ratings = " ".join(f"{n}★:{c}" for n, c in s["ratings"].items())
        text = t(
            "Requests: {requests} · offers: {offers} · leader buddies: {buddies}\n"
            "Matches made: {matches} · active: {active} · declined: {declined} · "
            "ended: {ended}\nAverage days to match: {days}\nCheck-in ratings: {ratings} "
            "(average {avg})",
            requests=s["requests"],
            offers=s["offers"],
            buddies=s["buddies"],
            matches=s["matches"],
            active=s["active"],
            declined=s["declined"],
            ended=s["ended"],
            days=s["days_to_match"] if s["days_to_match"] is not None else "—",
            ratings=ratings,
            avg=s["average_rating"] if s["average_rating"] is not None else "—",
        )
        await interaction.response.send_message(text, ephemeral=True)

    # ------------------------------------------------------------------ setup

    @setup_group.command(
        name="coordinator-role", description=_T("Admins: the coordinator role"), extras=ADMIN
    )
    @app_commands.describe(role=_T("Members with this role coordinate mentoring"))
    async def setup_role(self, interaction: discord.Interaction[Bot], role: discord.Role) -> None:
        admin = await self.bot.access.require(interaction, Audience.ADMIN)
        t = await translator(interaction)
        await self.service.set_setting(admin.guild.id, "coordinator_role_id", role.id, admin.id)
        await interaction.response.send_message(
            t(
                "Members with {role} can now approve mentors and confirm matches.",
                role=role.mention,
            ),
            ephemeral=True,
        )

    @setup_group.command(
        name="channels", description=_T("Admins: where pairings and notes go"), extras=ADMIN
    )
    @app_commands.describe(
        threads=_T("Private pairing threads are opened under this channel"),
        notices=_T("Where coordinators are told (a private channel)"),
    )
    async def setup_channels(
        self,
        interaction: discord.Interaction[Bot],
        threads: discord.TextChannel,
        notices: discord.TextChannel,
    ) -> None:
        admin = await self.bot.access.require(interaction, Audience.ADMIN)
        t = await translator(interaction)
        core = await self.bot.guild_settings.get(admin.guild.id)
        if threads.id in (core.escalation_channel_id, core.mod_log_channel_id):
            # Escalation does not read the moderators' own channels (nor their threads): crisis
            # words in a pairing thread there would go unnoticed.
            raise UserError(
                N_(
                    "Pairing threads cannot live under the escalation or mod-log "
                    "channel: crisis words there are not read. Pick another."
                )
            )
        await self.service.set_setting(admin.guild.id, "thread_channel_id", threads.id, admin.id)
        await self.service.set_setting(admin.guild.id, "notice_channel_id", notices.id, admin.id)
        await interaction.response.send_message(
            t(
                "Pairings open under {threads}; coordinators are told in {notices}.",
                threads=threads.mention,
                notices=notices.mention,
            ),
            ephemeral=True,
        )

    @setup_group.command(
        name="cancer-type", description=_T("Coordinators: add a cancer type"), extras=MODERATOR
    )
    @app_commands.describe(name=_T("The cancer type, as members will see it in the list"))
    async def setup_cancer(self, interaction: discord.Interaction[Bot], name: str) -> None:
        me = await self._coordinator(interaction)
        t = await translator(interaction)
        added = await self.service.add_cancer_type(me.guild.id, name)
        await interaction.response.send_message(
            t("Added to the list.") if added else t("It is already on the list."), ephemeral=True
        )
