"""/poll: create (a question, then the question again and its options in a form, the kit's
persistent modal: bot/kit/modals.py), close, list, and the server's and groups' poll settings.
Discord glue; the rules live in polls.py, and the poll messages (posting, votes, closing,
results) in poll_board.py.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T
from discord.ext import commands

from bot.checks import Audience, caller
from bot.client import Bot
from bot.directory import GroupRef
from bot.errors import NotAllowed, NotFound, UserError
from bot.i18n import N_
from bot.kit.groups import UNKNOWN_GROUP, LedGroup
from bot.kit.links import jump_url
from bot.kit.timestamps import stamp
from bot.tree import translator
from cogs.feedback.poll_board import ESCAPE, PollBoardCog
from cogs.feedback.poll_input import (
    DEFAULT_DURATION,
    DURATION_OUT_OF_RANGE,
    MAX_DURATION_SECONDS,
    MIN_DURATION_SECONDS,
    clean_question,
    parse_options,
    poll_duration,
)
from cogs.feedback.polls import (
    MIN_VOTERS_HIGHEST,
    MIN_VOTERS_LOWEST,
    SESSION_POLL_HOURS_DEFAULT,
    SESSION_POLL_HOURS_MAX,
    SESSION_POLL_HOURS_MIN,
    PollDraft,
    PollService,
)
from cogs.feedback.views import PollForm, PollOptionsModal

POST_WAIT_SECONDS = 5.0  # how long /poll create waits to say the poll is out

DURATION_PRESETS = (
    ("1h", N_("in 1 hour")),
    ("12h", N_("in 12 hours")),
    ("1d", N_("in 1 day")),
    ("3d", N_("in 3 days")),
    ("7d", N_("in 1 week")),
)


class PollCommandsCog(commands.Cog, name="Poll commands"):
    poll = app_commands.Group(name="poll", description=_T("Anonymous polls"), guild_only=True)
    poll_settings = app_commands.Group(
        name="settings", description=_T("How polls work in this server"), parent=poll
    )

    def __init__(self, bot: Bot, polls: PollService, board: PollBoardCog) -> None:
        self.bot = bot
        self.polls = polls
        self.board = board
        self.post_wait = POST_WAIT_SECONDS

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
        group: app_commands.Transform[GroupRef, LedGroup] | None = None,
    ) -> None:
        member = caller(interaction)
        await self._may_create(interaction, member, group)
        draft = self.polls.draft(
            guild_id=member.guild.id,
            channel_id=self._poll_channel(interaction, group),
            group_id=group.id if group is not None else None,
            question=question,
            closes_in=closes_in,
            created_by=member.id,
        )
        await PollOptionsModal.of(draft).open(interaction)

    async def _may_create(
        self,
        interaction: discord.Interaction[Bot],
        member: discord.Member,
        group: GroupRef | None,
    ) -> None:
        """Leaders for a group they lead; moderators for any group or the whole server."""
        if group is not None:
            await self.bot.access.require(interaction, Audience.LEADER, group_id=group.id)
            return
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

    @staticmethod
    def _poll_channel(interaction: discord.Interaction[Bot], group: GroupRef | None) -> int:
        """A group's poll goes to the group's own channel; otherwise where it was asked."""
        if group is not None and group.channel_id is not None:
            return group.channel_id
        if interaction.channel_id is None:
            raise UserError(N_("Please run this in a channel of the server."))
        return interaction.channel_id

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
                poll_duration(typed)
            except UserError:
                return choices
            choices.insert(0, app_commands.Choice(name=typed[:100], value=typed[:100]))
        return choices

    async def poll_options_submitted(
        self, interaction: discord.Interaction[Bot], form: PollForm
    ) -> None:
        """The options form, sent (perhaps after a restart): the question and options as
        typed, the length and group from the form's id; everything checked again, and refused
        kindly before anything is written."""
        member = caller(interaction)
        t = await translator(interaction)
        question = clean_question(form.question)
        labels = parse_options(form.options)
        if not MIN_DURATION_SECONDS <= form.duration <= MAX_DURATION_SECONDS:
            raise UserError(DURATION_OUT_OF_RANGE)
        group = await self._still_there(member.guild.id, form.group_id)
        await self._may_create(interaction, member, group)
        draft = PollDraft(
            guild_id=member.guild.id,
            channel_id=self._poll_channel(interaction, group),
            group_id=form.group_id,
            question=question,
            duration=form.duration,
            created_by=member.id,
        )
        same = await self.polls.recent_same(draft, labels)
        if same is not None:
            # Tried again because the first answer was lost (the bot stopped): never twice.
            raise UserError(
                N_(
                    "You asked this a few minutes ago, and that poll is in <#{channel}>; it "
                    "closes {when}. Nothing new was posted. To ask it differently, close it "
                    "first with /poll close."
                ),
                channel=same.channel_id,
                when=stamp(same.closes_at, "R"),
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        poll, row = await self.board.post_poll(member.guild, draft, labels)
        # The outbox posts it (at once, or after a restart); say what happened so far.
        outcome = await self.bot.dispatcher.outcome(row, within=self.post_wait)
        if outcome == "failed":
            raise UserError(
                N_(
                    "I couldn't post your poll in <#{channel}>: I may not be allowed to write "
                    "there. Nothing was kept; a moderator can check my permissions."
                ),
                channel=poll.channel_id,
            )
        if outcome == "sent":
            delivery = await self.bot.dispatcher.delivery(row)
            if delivery is not None and delivery.message_id is not None:
                await self.board.opened(poll.id, delivery.message_id)  # open before we say so
            said = t(
                "Your poll is posted in <#{channel}>. It closes {when}; the results will be "
                "posted there.",
                channel=poll.channel_id,
                when=stamp(poll.closes_at, "R"),
            )
        else:
            said = t(
                "Your poll will be posted in <#{channel}> in a moment (Discord is slow right "
                "now). It closes {when}; the results will be posted there.",
                channel=poll.channel_id,
                when=stamp(poll.closes_at, "R"),
            )
        await interaction.followup.send(said, ephemeral=True)

    async def _still_there(self, guild_id: int, group_id: int | None) -> GroupRef | None:
        """The poll's group, unless it went (or was archived) while the form was open."""
        if group_id is None:
            return None
        group = await self.bot.groups.get(guild_id, group_id)
        if group is None or group.archived:
            raise NotFound(UNKNOWN_GROUP, name=str(group_id))
        return group

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
        if not (poll.strip().isascii() and poll.strip().isdigit() and len(poll.strip()) < 19):
            raise NotFound(N_("Please pick the poll from the list as you type."))
        closed = await self.polls.close_early(
            int(poll),
            member.guild.id,
            member.id,
            is_moderator=await self.bot.access.is_moderator(member),
        )
        self.board.unschedule_close(closed.id)
        await interaction.response.send_message(
            t(
                "The poll is closed. Its results are on their way to <#{channel}>.",
                channel=closed.channel_id,
            ),
            ephemeral=True,
        )
        await self.board.show_poll(closed)

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
            url = jump_url(poll.guild_id, poll.channel_id, poll.message_id)
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
        group: app_commands.Transform[GroupRef, LedGroup],
        enabled: bool,
        hours: app_commands.Range[int, SESSION_POLL_HOURS_MIN, SESSION_POLL_HOURS_MAX] = (
            SESSION_POLL_HOURS_DEFAULT
        ),
    ) -> None:
        member = caller(interaction)
        await self.bot.access.require(interaction, Audience.LEADER, group_id=group.id)
        t = await translator(interaction)
        await self.polls.set_session_poll(
            member.guild.id, group.id, hours if enabled else None, member.id
        )
        text = (
            t(
                "After each session of {group}, its channel will get an anonymous poll “How "
                "helpful was today's session?” (1 to 5), open for {hours} hours.",
                group=group.name,
                hours=hours,
            )
            if enabled
            else t("{group} will no longer get a poll after its sessions.", group=group.name)
        )
        await interaction.response.send_message(text, ephemeral=True)
