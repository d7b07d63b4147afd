"""Buttons and modals of anonymous feedback.

Vote buttons must keep working after a restart, so they are DynamicItems whose custom id names
the poll and the option (`feedback:vote:17:2`) and nothing else: never the member. Their
callbacks are `@guarded`, and log nothing about who pressed what. What pressing or submitting
does lives in the cogs; the items know it only through the small protocols below.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, cast

import discord

from bot.i18n import Translate
from bot.ui import BaseModal, BaseView, guarded, loaded_cog
from cogs.feedback.free_text import FEEDBACK_MAX_LENGTH
from cogs.feedback.poll_input import MAX_OPTIONS, OPTION_MAX_LENGTH
from cogs.feedback.polls import Poll, PollDraft

POLL_BOARD_COG = "Poll board"  # the cog that answers the vote buttons
BUTTONS_PER_ROW = 5


class VoteActions(Protocol):
    async def vote_pressed(
        self, interaction: discord.Interaction[Any], poll_id: int, position: int
    ) -> None: ...

    async def vote_confirmed(
        self, interaction: discord.Interaction[Any], poll_id: int, position: int
    ) -> None: ...


class PollOptionsActions(Protocol):
    async def poll_options_submitted(
        self, interaction: discord.Interaction[Any], draft: PollDraft, text: str
    ) -> None: ...


class FeedbackTextActions(Protocol):
    async def feedback_text_submitted(
        self, interaction: discord.Interaction[Any], group_id: int | None, text: str
    ) -> None: ...


def vote_actions(interaction: discord.Interaction[Any]) -> VoteActions:
    return cast(VoteActions, loaded_cog(interaction, POLL_BOARD_COG))


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"feedback:vote:(?P<poll>\d+):(?P<option>\d+)",
):
    """One option of a poll. Pressing it only asks the member to confirm."""

    def __init__(self, poll_id: int, position: int, label: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:OPTION_MAX_LENGTH],
                style=discord.ButtonStyle.primary,
                custom_id=f"feedback:vote:{poll_id}:{position}",
                disabled=disabled,
                row=(position - 1) // BUTTONS_PER_ROW,
            )
        )
        self.poll_id = poll_id
        self.position = position

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Button[Any],
        match: re.Match[str],
    ) -> VoteButton:
        return cls(int(match["poll"]), int(match["option"]), item.label or match["option"])

    @guarded
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await vote_actions(interaction).vote_pressed(interaction, self.poll_id, self.position)


class ConfirmVoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"feedback:confirm:(?P<poll>\d+):(?P<option>\d+)",
):
    """On the private question "confirm your choice?": counts the vote."""

    def __init__(self, poll_id: int, position: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:OPTION_MAX_LENGTH],
                style=discord.ButtonStyle.success,
                custom_id=f"feedback:confirm:{poll_id}:{position}",
            )
        )
        self.poll_id = poll_id
        self.position = position

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Button[Any],
        match: re.Match[str],
    ) -> ConfirmVoteButton:
        return cls(int(match["poll"]), int(match["option"]), item.label or "✓")

    @guarded
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await vote_actions(interaction).vote_confirmed(interaction, self.poll_id, self.position)


def poll_view(poll: Poll, *, disabled: bool = False) -> BaseView:
    view = BaseView(timeout=None)
    for option in poll.options:
        view.add_item(VoteButton(poll.id, option.position, option.label, disabled=disabled))
    return view


def confirm_view(poll_id: int, position: int, label: str) -> BaseView:
    view = BaseView(timeout=None)
    view.add_item(ConfirmVoteButton(poll_id, position, label))
    return view


class PollOptionsModal(BaseModal):
    """The options of a new poll, one per line (a modal holds at most 5 inputs)."""

    def __init__(self, actions: PollOptionsActions, draft: PollDraft, t: Translate) -> None:
        super().__init__(title=t("Poll options"), custom_id="feedback:poll-options", timeout=900)
        self.actions = actions
        self.draft = draft
        self.options: discord.ui.TextInput[PollOptionsModal] = discord.ui.TextInput(
            label=t("Options, one per line (2 to 10)"),
            custom_id="feedback:poll-options:text",
            style=discord.TextStyle.paragraph,
            placeholder=t("Yes\nNo\nNot sure yet"),
            min_length=3,
            max_length=MAX_OPTIONS * (OPTION_MAX_LENGTH + 1),
        )
        self.add_item(self.options)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await self.actions.poll_options_submitted(interaction, self.draft, self.options.value)


class FeedbackModal(BaseModal):
    """The text of a piece of anonymous feedback."""

    def __init__(
        self, actions: FeedbackTextActions, group_id: int | None, to: str, t: Translate
    ) -> None:
        super().__init__(title=t("Anonymous feedback"), custom_id="feedback:text", timeout=1800)
        self.actions = actions
        self.group_id = group_id
        self.text: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
            label=t("Your message to {to}", to=to)[:45],
            custom_id="feedback:text:body",
            style=discord.TextStyle.paragraph,
            placeholder=t("Your name is not attached and not stored."),
            min_length=1,
            max_length=FEEDBACK_MAX_LENGTH,
        )
        self.add_item(self.text)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await self.actions.feedback_text_submitted(interaction, self.group_id, self.text.value)
