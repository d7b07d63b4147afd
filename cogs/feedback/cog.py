"""Anonymous feedback, the Discord side: /poll, /feedback, the vote buttons, the renderers of
results and digests, and the scheduler jobs. The rules live in polls.py and free_text.py.

Nothing here logs a member together with a choice or a text. Discord itself carries each button
press (it knows who pressed what, as it knows who typed what); the bot keeps none of it.
"""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T
from discord.ext import commands

from bot.checks import Audience, caller
from bot.client import Bot
from bot.clock import epoch
from bot.directory import GroupRef
from bot.dispatcher import PermanentFailure, Rendered
from bot.errors import NotAllowed, NotFound, UserError
from bot.i18n import N_, Translate
from bot.outbox import OutboxMessage
from bot.tree import translator
from cogs.feedback.anonymity import HistoryEraser, Tokens
from cogs.feedback.chart import bar_chart_png
from cogs.feedback.free_text import DIGEST, FeedbackService
from cogs.feedback.poll_input import DEFAULT_DURATION, parse_duration, parse_options
from cogs.feedback.polls import (
    MIN_VOTERS_HIGHEST,
    MIN_VOTERS_LOWEST,
    POLL_RESULTS,
    SESSION_POLL_HOURS_DEFAULT,
    SESSION_POLL_HOURS_MAX,
    SESSION_POLL_HOURS_MIN,
    SESSION_POLL_OPTIONS,
    SESSION_POLL_QUESTION,
    Poll,
    PollDraft,
    PollService,
)
from cogs.feedback.views import (
    ConfirmVoteButton,
    FeedbackModal,
    PollOptionsModal,
    VoteButton,
    confirm_view,
    poll_view,
)

log = logging.getLogger(__name__)

CLOSE_JOB = "feedback:poll-close:{}"
DAILY_JOB = "feedback:daily"
DIGEST_HOUR_UTC = 17  # the daily digest of free-text feedback
REFRESH_SECONDS = 1.5  # the live count on a poll is edited at most this often
DURATION_PRESETS = (
    ("1h", N_("in 1 hour")),
    ("12h", N_("in 12 hours")),
    ("1d", N_("in 1 day")),
    ("3d", N_("in 3 days")),
    ("7d", N_("in 1 week")),
)
ESCAPE = discord.utils.escape_markdown


def stamp(moment: int, style: str) -> str:
    """A Discord timestamp: each reader sees it in their own time zone and language."""
    return f"<t:{moment}:{style}>"


def jump_url(poll: Poll) -> str | None:
    if poll.message_id is None:
        return None
    return f"https://discord.com/channels/{poll.guild_id}/{poll.channel_id}/{poll.message_id}"


class FeedbackCog(commands.Cog, name="Feedback"):
    poll = app_commands.Group(name="poll", description=_T("Anonymous polls"), guild_only=True)
    poll_settings = app_commands.Group(
        name="settings", description=_T("How polls work in this server"), parent=poll
    )

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        secret = bot.settings.anon_secret
        if secret is None and bot.mode == "run":
            raise RuntimeError("ANON_SECRET is not set: anonymous feedback cannot run")
        tokens = Tokens(secret) if secret else None
        eraser = HistoryEraser.of(bot.db)  # one for both: many writes at once share a checkpoint
        self.polls = PollService(
            bot.db,
            bot.clock,
            bot.outbox,
            tokens,
            lambda: bot.groups,
            eraser=eraser,
        )
        self.feedback = FeedbackService(
            bot.db,
            bot.clock,
            bot.outbox,
            tokens,
            lambda: bot.groups,
            bot.guild_settings,
            eraser=eraser,
        )
        self.eraser = eraser
        self.refresh_seconds = REFRESH_SECONDS
        self._refreshers: dict[int, asyncio.Task[None]] = {}
        self._stale: set[int] = set()
        bot.dispatcher.register(POLL_RESULTS, self._render_results)
        bot.dispatcher.register(DIGEST, self._render_digest, on_failure=self._digest_failed)
        bot.add_dynamic_items(VoteButton, ConfirmVoteButton)
        bot.add_rebuilder(self._rebuild)

    async def cog_unload(self) -> None:
        for task in self._refreshers.values():
            task.cancel()

    # ------------------------------------------------------------------ scheduling

    async def _rebuild(self) -> None:
        """At start: make the file forget (a crash may have left a log), drop polls whose
        message never went out, and arm a close for every open poll."""
        await self.eraser.prepare()
        await self.polls.discard_unposted()
        for poll in await self.polls.open_polls():
            self._schedule_close(poll)
        self.bot.scheduler.add_job(
            self._daily,
            "cron",
            hour=DIGEST_HOUR_UTC,
            minute=0,
            id=DAILY_JOB,
            replace_existing=True,
        )

    def _schedule_close(self, poll: Poll, at: int | None = None) -> None:
        self.bot.scheduler.add_job(
            self._close_job,
            "date",
            run_date=datetime.fromtimestamp(at or poll.closes_at, UTC),
            args=[poll.id],
            id=CLOSE_JOB.format(poll.id),
            replace_existing=True,
        )

    def _unschedule_close(self, poll_id: int) -> None:
        job = self.bot.scheduler.get_job(CLOSE_JOB.format(poll_id))
        if job is not None:
            job.remove()

    async def _close_job(self, poll_id: int) -> None:
        closed = await self.polls.close_due(poll_id)
        if closed is not None:
            await self._show_poll(closed)
            return
        poll = await self.polls.get(poll_id)
        if poll is not None and poll.status == "open":  # woke early: try again at its time
            self._schedule_close(poll, max(poll.closes_at, epoch(self.bot.clock()) + 1))

    async def _daily(self) -> None:
        """The digest of waiting feedback, then housekeeping; one failing step skips no other."""
        for step in (
            self.feedback.deliver_waiting,
            self.feedback.purge_quota,
            self.polls.prune,
            self.polls.discard_unposted,
        ):
            try:
                await step()
            except Exception:
                log.exception("daily feedback step %s failed", step.__name__)

    # ------------------------------------------------------------------ groups

    async def _resolve_group(self, guild_id: int, value: str) -> GroupRef:
        value = value.strip()
        groups = self.bot.groups
        group = await groups.get(guild_id, int(value)) if value.isdigit() else None
        if group is None:
            matches = [
                g
                for g in await groups.search(guild_id, value, limit=25)
                if g.name.casefold() == value.casefold()
            ]
            group = matches[0] if len(matches) == 1 else None
        if group is None or group.archived:
            raise NotFound(
                N_("I can't find a group called “{name}”. Please pick one from the list."),
                name=value[:80],
            )
        return group

    @staticmethod
    def _group_choices(groups: list[GroupRef], current: str) -> list[app_commands.Choice[str]]:
        wanted = current.strip().casefold()
        return [
            app_commands.Choice(name=g.name[:100], value=str(g.id))
            for g in groups
            if not g.archived and wanted in g.name.casefold()
        ][:25]

    # ------------------------------------------------------------------ /poll create

    @poll.command(
        name="create",
        description=_T("Ask an anonymous question with up to 10 answers to choose from"),
        extras={"audience": Audience.LEADER},
    )
    @app_commands.rename(closes_in="closes-in")
    @app_commands.describe(
        question=_T("The question people will answer"),
        closes_in=_T("When voting ends, for example 12h, 3d or 1w (3 days if left empty)"),
        group=_T("Only this group's members may vote (leave empty: everyone in the server)"),
    )
    async def create(
        self,
        interaction: discord.Interaction[Bot],
        question: app_commands.Range[str, 1, 200],
        closes_in: str = DEFAULT_DURATION,
        group: str | None = None,
    ) -> None:
        member = caller(interaction)
        t = await translator(interaction)
        ref = await self._may_create(interaction, member, group)
        draft = self.polls.draft(
            guild_id=member.guild.id,
            channel_id=self._poll_channel(interaction, ref),
            group_id=ref.id if ref is not None else None,
            question=question,
            closes_in=closes_in,
            created_by=member.id,
        )
        await interaction.response.send_modal(PollOptionsModal(self, draft, t))

    async def _may_create(
        self, interaction: discord.Interaction[Bot], member: discord.Member, group: str | None
    ) -> GroupRef | None:
        """Leaders for a group they lead; moderators for any group or the whole server."""
        if group:
            ref = await self._resolve_group(member.guild.id, group)
            await self.bot.access.require(interaction, Audience.LEADER, group_id=ref.id)
            return ref
        try:
            await self.bot.access.require(interaction, Audience.MODERATOR)
        except NotAllowed:
            if await self.bot.groups.led_by(member.guild.id, member.id):
                raise NotAllowed(
                    N_(
                        "Polls for the whole server are for moderators. To ask your group, "
                        "choose it in the “group” option."
                    )
                ) from None
            raise
        return None

    @staticmethod
    def _poll_channel(interaction: discord.Interaction[Bot], group: GroupRef | None) -> int:
        """A group's poll goes to the group's own channel; otherwise where it was asked."""
        if group is not None and group.channel_id is not None:
            return group.channel_id
        if interaction.channel_id is None:
            raise UserError(N_("Please run this in a channel of the server."))
        return interaction.channel_id

    @create.autocomplete("group")
    async def create_group_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._groups_they_may_ask(interaction, current)

    async def _groups_they_may_ask(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        """Moderators: any group; leaders: the groups they lead."""
        member = interaction.user
        if interaction.guild_id is None or not isinstance(member, discord.Member):
            return []
        if await self.bot.access.is_moderator(member):
            groups = await self.bot.groups.search(interaction.guild_id, current.strip())
        else:
            groups = await self.bot.groups.led_by(interaction.guild_id, member.id)
        return self._group_choices(groups, current)

    @create.autocomplete("closes_in")
    async def closes_in_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        t = await translator(interaction)
        choices = [
            app_commands.Choice(name=f"{t(label)} ({value})", value=value)
            for value, label in DURATION_PRESETS
        ]
        typed = current.strip()
        if typed and typed not in {value for value, _ in DURATION_PRESETS}:
            try:
                parse_duration(typed)
            except UserError:
                return choices
            choices.insert(0, app_commands.Choice(name=typed[:100], value=typed[:100]))
        return choices

    async def poll_options_submitted(
        self, interaction: discord.Interaction[Bot], draft: PollDraft, text: str
    ) -> None:
        member = caller(interaction)
        t = await translator(interaction)
        labels = parse_options(text)  # refused kindly before anything is written
        group = (
            await self._resolve_group(member.guild.id, str(draft.group_id))
            if draft.group_id is not None
            else None
        )
        await self._may_create(interaction, member, str(group.id) if group else None)
        await interaction.response.defer(ephemeral=True, thinking=True)
        poll = await self.post_poll(member.guild, draft, labels)
        await interaction.followup.send(
            t(
                "Your poll is posted in <#{channel}>. It closes {when}; the results will be "
                "posted there.",
                channel=poll.channel_id,
                when=stamp(poll.closes_at, "R"),
            ),
            ephemeral=True,
        )

    async def post_poll(self, guild: discord.Guild, draft: PollDraft, labels: list[str]) -> Poll:
        """Write the poll, post it, arm its close. If the post fails, nothing of it remains.
        Post-session polls come through here too (`on_meeting_ended`)."""
        channel = guild.get_channel_or_thread(draft.channel_id)
        if not isinstance(channel, discord.TextChannel | discord.Thread):
            raise UserError(N_("I can't post a poll in that channel. Please try a text channel."))
        if draft.group_id is not None:
            eligible = await self.bot.groups.member_ids(guild.id, draft.group_id)
        else:
            eligible = [m.id for m in guild.members if not m.bot]
        poll = await self.polls.create(draft, labels, eligible)
        try:
            t = await self.bot.guild_settings.translator(guild.id)
            message = await channel.send(
                embed=await self._poll_embed(poll, t), view=poll_view(poll)
            )
        except BaseException:
            await self.polls.discard(poll.id)
            raise
        await self.polls.mark_posted(poll.id, message.id)
        posted = await self.polls.get(poll.id)
        assert posted is not None
        self._schedule_close(posted)
        return posted

    # ------------------------------------------------------------------ voting

    async def vote_pressed(
        self, interaction: discord.Interaction[Any], poll_id: int, position: int
    ) -> None:
        member = caller(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)  # many may press at once
        t = await translator(interaction)
        _, option = await self.polls.ballot(poll_id, member.guild.id, member.id, position)
        await interaction.followup.send(
            t(
                "Votes are anonymous and final: no one can see who chose what (not the "
                "leaders, not the moderators, not even the bot's database), and a vote can't "
                "be changed.\n\nConfirm your choice: **{option}**?",
                option=ESCAPE(option.label),
            ),
            view=confirm_view(poll_id, position, t("Confirm my vote")),
            ephemeral=True,
        )

    async def vote_confirmed(
        self, interaction: discord.Interaction[Any], poll_id: int, position: int
    ) -> None:
        member = caller(interaction)
        await interaction.response.defer()  # many may press at once: acknowledge first
        t = await translator(interaction)
        try:
            await self.polls.vote(poll_id, member.guild.id, member.id, position)
        except UserError as error:
            await interaction.edit_original_response(
                content=t(error.message, **error.params), view=None
            )
            return
        await interaction.edit_original_response(
            content=t(
                "Thank you: your vote is counted. No one can see what you chose. The results "
                "are posted when the poll closes."
            ),
            view=None,
        )
        self._refresh_soon(poll_id)

    # ------------------------------------------------------------------ the poll message

    async def _poll_embed(self, poll: Poll, t: Translate) -> discord.Embed:
        group = await self.polls.group_name(poll)
        who = (
            t("Everyone in this server can vote.")
            if poll.group_id is None
            else t("The members of {group} can vote.", group=group or t("the group"))
        )
        closed = poll.status == "closed"
        embed = discord.Embed(
            title=t("Anonymous poll (closed)") if closed else t("Anonymous poll"),
            description=f"**{ESCAPE(poll.question)}**\n\n{who}",
            colour=discord.Colour.light_grey() if closed else discord.Colour.blurple(),
        )
        embed.add_field(
            name=t("Votes"),
            value=t.plural("{n} person has voted", "{n} people have voted", poll.voters),
        )
        if closed:
            embed.add_field(name=t("Closed"), value=stamp(poll.closed_at or 0, "F"))
        else:
            embed.add_field(
                name=t("Closes"),
                value=f"{stamp(poll.closes_at, 'F')} ({stamp(poll.closes_at, 'R')})",
            )
        embed.set_footer(
            text=t(
                "Press a button to vote; you'll be asked to confirm. No one can see who chose "
                "what. Results are posted here when the poll closes, if at least {k} people "
                "have voted.",
                k=poll.min_voters,
            )
        )
        return embed

    def _refresh_soon(self, poll_id: int) -> None:
        """Update "N people have voted" soon: many votes at once make one edit."""
        self._stale.add(poll_id)
        if poll_id not in self._refreshers:
            self._refreshers[poll_id] = asyncio.create_task(
                self._refresh(poll_id), name=f"feedback-refresh-{poll_id}"
            )

    async def _refresh(self, poll_id: int) -> None:
        try:
            while poll_id in self._stale:
                await asyncio.sleep(self.refresh_seconds)
                self._stale.discard(poll_id)
                poll = await self.polls.get(poll_id)
                if poll is not None:
                    await self._show_poll(poll)
        finally:
            self._refreshers.pop(poll_id, None)

    async def _show_poll(self, poll: Poll) -> None:
        """Edit the poll message (best effort: the database has the truth, and a closed poll
        refuses votes whatever its buttons look like)."""
        if poll.message_id is None:
            return
        channel = self.bot.get_partial_messageable(poll.channel_id, guild_id=poll.guild_id)
        message = channel.get_partial_message(poll.message_id)
        t = await self.bot.guild_settings.translator(poll.guild_id)
        try:
            if poll.status == "closed":
                await message.edit(
                    embed=await self._poll_embed(poll, t), view=poll_view(poll, disabled=True)
                )
            else:
                await message.edit(embed=await self._poll_embed(poll, t))
        except discord.HTTPException as error:
            log.warning("could not update poll %d's message: %s", poll.id, error)

    # ------------------------------------------------------------------ close, list, settings

    @poll.command(
        name="close",
        description=_T("Close a poll now and post its results"),
        extras={"audience": Audience.LEADER},
    )
    @app_commands.describe(poll=_T("The poll to close (its creator or a moderator can)"))
    async def close(self, interaction: discord.Interaction[Bot], poll: str) -> None:
        member = caller(interaction)
        t = await translator(interaction)
        if not poll.strip().isdigit():
            raise NotFound(N_("Please pick the poll from the list as you type."))
        closed = await self.polls.close_early(
            int(poll),
            member.guild.id,
            member.id,
            is_moderator=await self.bot.access.is_moderator(member),
        )
        self._unschedule_close(closed.id)
        await interaction.response.send_message(
            t(
                "The poll is closed. Its results are on their way to <#{channel}>.",
                channel=closed.channel_id,
            ),
            ephemeral=True,
        )
        await self._show_poll(closed)

    @close.autocomplete("poll")
    async def close_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        member = interaction.user
        if interaction.guild_id is None or not isinstance(member, discord.Member):
            return []
        moderator = await self.bot.access.is_moderator(member)
        wanted = current.strip().casefold()
        return [
            app_commands.Choice(name=p.question[:100], value=str(p.id))
            for p in await self.polls.open_polls(interaction.guild_id)
            if (moderator or p.created_by == member.id) and wanted in p.question.casefold()
        ][:25]

    @poll.command(
        name="list",
        description=_T("Open polls you can vote in"),
        extras={"audience": Audience.MEMBER},
    )
    async def list_polls(self, interaction: discord.Interaction[Bot]) -> None:
        member = caller(interaction)
        t = await translator(interaction)
        lines: list[str] = []
        for poll in await self.polls.open_polls(member.guild.id):
            if not await self.polls.can_vote(poll, member.id):
                continue
            voted = await self.polls.has_voted(poll.id, member.id)
            url = jump_url(poll)
            title = f"[{ESCAPE(poll.question)}]({url})" if url else ESCAPE(poll.question)
            status = t("you have voted") if voted else t("you haven't voted yet")
            lines.append(
                t(
                    "• {title}: closes {when}, {status}",
                    title=title,
                    when=stamp(poll.closes_at, "R"),
                    status=status,
                )
            )
        if not lines:
            await interaction.response.send_message(
                t("There are no open polls you can vote in right now."), ephemeral=True
            )
            return
        embed = discord.Embed(
            title=t("Open polls"),
            description="\n".join(lines)[:4000],
            colour=discord.Colour.blurple(),
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @poll_settings.command(
        name="min-voters",
        description=_T("How many must vote before a poll's results are shown"),
        extras={"audience": Audience.MODERATOR},
    )
    @app_commands.describe(count=_T("At least this many voters (3 or more)"))
    async def min_voters(
        self,
        interaction: discord.Interaction[Bot],
        count: app_commands.Range[int, MIN_VOTERS_LOWEST, MIN_VOTERS_HIGHEST],
    ) -> None:
        member = await self.bot.access.require(interaction, Audience.MODERATOR)
        t = await translator(interaction)
        value = await self.polls.set_min_voters(member.guild.id, count, member.id)
        await interaction.response.send_message(
            t(
                "New polls will show their results only when at least {k} people have voted; "
                "otherwise they say there were too few answers to keep them anonymous. Open "
                "polls keep the number they started with.",
                k=value,
            ),
            ephemeral=True,
        )

    @poll_settings.command(
        name="session-poll",
        description=_T("Ask a group “How helpful was today's session?” after each session"),
        extras={"audience": Audience.LEADER},
    )
    @app_commands.describe(
        group=_T("The group (you lead it, or you are a moderator)"),
        enabled=_T("On: a 1-to-5 poll after each session; off: none"),
        hours=_T("How many hours each poll stays open (24 if left empty)"),
    )
    async def session_poll(
        self,
        interaction: discord.Interaction[Bot],
        group: str,
        enabled: bool,
        hours: app_commands.Range[int, SESSION_POLL_HOURS_MIN, SESSION_POLL_HOURS_MAX] = (
            SESSION_POLL_HOURS_DEFAULT
        ),
    ) -> None:
        member = caller(interaction)
        ref = await self._resolve_group(member.guild.id, group)
        await self.bot.access.require(interaction, Audience.LEADER, group_id=ref.id)
        t = await translator(interaction)
        await self.polls.set_session_poll(
            member.guild.id, ref.id, hours if enabled else None, member.id
        )
        text = (
            t(
                "After each session of {group}, its channel will get an anonymous poll “How "
                "helpful was today's session?” (1 to 5), open for {hours} hours.",
                group=ref.name,
                hours=hours,
            )
            if enabled
            else t("{group} will no longer get a poll after its sessions.", group=ref.name)
        )
        await interaction.response.send_message(text, ephemeral=True)

    @session_poll.autocomplete("group")
    async def session_poll_group_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._groups_they_may_ask(interaction, current)

    @commands.Cog.listener()
    async def on_meeting_ended(self, guild_id: int, group_id: int, occurrence: str) -> None:
        """The meetings feature announces that a session ended (`occurrence` names that one
        session). If the group's leaders turned it on, the group gets its post-session poll,
        once per session whatever happens."""
        hours = await self.polls.session_poll_hours(guild_id, group_id)
        guild = self.bot.get_guild(guild_id)
        group = await self.bot.groups.get(guild_id, group_id)
        if hours is None or guild is None or group is None or group.archived:
            return
        if group.channel_id is None or self.bot.user is None:
            log.warning("group %d has no channel for its post-session poll", group_id)
            return
        if not await self.polls.claim_session(guild_id, group_id, occurrence):
            return  # already asked about this session
        t = await self.bot.guild_settings.translator(guild_id)
        draft = self.polls.session_draft(
            guild_id=guild_id,
            channel_id=group.channel_id,
            group_id=group_id,
            question=t(SESSION_POLL_QUESTION),
            hours=hours,
            created_by=self.bot.user.id,
        )
        try:
            await self.post_poll(guild, draft, list(SESSION_POLL_OPTIONS))
        except Exception:
            await self.polls.release_session(guild_id, group_id, occurrence)
            log.exception("could not post the post-session poll of group %d", group_id)

    # ------------------------------------------------------------------ /feedback

    @app_commands.command(
        name="feedback",
        description=_T("Send anonymous feedback to a group's leaders or to the moderators"),
        extras={"audience": Audience.MEMBER},
    )
    @app_commands.guild_only()
    @app_commands.describe(
        group=_T("A group you belong to, for its leaders (leave empty: to the moderators)")
    )
    async def send_feedback(
        self, interaction: discord.Interaction[Bot], group: str | None = None
    ) -> None:
        member = caller(interaction)
        t = await translator(interaction)
        ref = await self._resolve_group(member.guild.id, group) if group else None
        group_id = ref.id if ref is not None else None
        await self.feedback.check_can_send(member.guild.id, member.id, group_id)
        to = t("the group's leaders") if ref is not None else t("the moderators")
        await interaction.response.send_modal(FeedbackModal(self, group_id, to, t))

    @send_feedback.autocomplete("group")
    async def feedback_group_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        groups = await self.bot.groups.groups_of(interaction.guild_id, interaction.user.id)
        return self._group_choices(groups, current)

    async def feedback_submitted(
        self, interaction: discord.Interaction[Bot], group_id: int | None, text: str
    ) -> None:
        member = caller(interaction)
        t = await translator(interaction)
        await self.feedback.submit(member.guild.id, member.id, group_id, text)
        await interaction.response.send_message(
            t(
                "Thank you. Your feedback will reach {to} without your name, together with "
                "others: batches go out once a day, or as soon as three messages have "
                "gathered, so not even the time can point to you.",
                to=t("the group's leaders") if group_id is not None else t("the moderators"),
            ),
            ephemeral=True,
        )

    # ------------------------------------------------------------------ listeners

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if not member.bot and self.bot.mode == "run":
            await self.polls.enroll(member.guild.id, member.id, None)

    @commands.Cog.listener()
    async def on_group_member_joined(self, guild_id: int, group_id: int, user_id: int) -> None:
        if self.bot.mode == "run":
            await self.polls.enroll(guild_id, user_id, group_id)

    # ------------------------------------------------------------------ renderers

    async def _render_results(self, message: OutboxMessage) -> Rendered:
        results = await self.polls.results(int(message.payload["poll_id"]))
        if results is None:
            raise PermanentFailure("the poll was removed before its results went out")
        poll = results.poll
        t = await self.bot.guild_settings.translator(poll.guild_id)
        embed = discord.Embed(
            title=t("Poll results"),
            description=f"**{ESCAPE(poll.question)}**",
            colour=discord.Colour.blurple(),
        )
        voted = t.plural("{n} person voted.", "{n} people voted.", poll.voters)
        if not results.shown:
            embed.description = (
                (embed.description or "")
                + "\n\n"
                + t(
                    "Too few answers to keep them anonymous: results are shown only when at least "
                    "{k} people vote. {voted}",
                    k=poll.min_voters,
                    voted=voted,
                )
            )
            return Rendered(embeds=[embed])
        lines = [
            t(
                "{option}: **{percent}%** ({votes})",
                option=ESCAPE(row.label),
                percent=row.percent,
                votes=t.plural("{n} vote", "{n} votes", row.votes),
            )
            for row in results.rows
        ]
        embed.description = (embed.description or "") + "\n\n" + "\n".join(lines)
        embed.set_footer(text=voted)
        png = await bar_chart_png(
            [row.label for row in results.rows],
            [row.percent for row in results.rows],
            title=poll.question,
            axis_label=t("% of voters"),
        )
        filename = f"poll-{poll.id}-results.png"
        embed.set_image(url=f"attachment://{filename}")
        return Rendered(embeds=[embed], files=[discord.File(io.BytesIO(png), filename=filename)])

    async def _render_digest(self, message: OutboxMessage) -> Rendered:
        payload = message.payload
        items: list[str] = list(payload["items"])
        t = await self.bot.guild_settings.translator(message.guild_id)
        if payload.get("group_id") is None:
            intro = t(
                "Sent with /feedback to the moderators. Messages come without names, in a "
                "random order and in batches, so no one (not even the bot) can tell who wrote "
                "them or when. Please read them with care."
            )
        else:
            intro = t(
                "Sent with /feedback to the leaders of {group}. Messages come without names, "
                "in a random order and in batches, so no one (not even the bot) can tell who "
                "wrote them or when. Please read them with care.",
                group=payload.get("group_name") or t("your group"),
            )
        embeds = [
            discord.Embed(
                title=t.plural("{n} anonymous message", "{n} anonymous messages", len(items)),
                description=intro,
                colour=discord.Colour.blurple(),
            )
        ]
        embeds += [
            discord.Embed(description=item, colour=discord.Colour.light_grey()) for item in items
        ]
        return Rendered(embeds=embeds)

    async def _digest_failed(self, message: OutboxMessage, error: Exception) -> None:
        log.warning(
            "anonymous feedback for guild %s could not reach %s %s: %s",
            message.guild_id,
            message.destination_type,
            message.destination_id,
            type(error).__name__,
        )
