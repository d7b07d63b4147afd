"""Buttons and modals of anonymous feedback.

Vote buttons must keep working after a restart, so they are the kit's persistent buttons
(bot/kit/buttons.py) whose custom id names the poll and the option (`feedback:vote:17:2`,
`feedback:confirm:17:2`, the ids of the buttons already posted) and nothing else: never the
member. Their errors are reported without the custom id, and nothing logs who pressed what.
What pressing or submitting does lives in the cogs; the items know it only through the small
protocols below.
"""

from __future__ import annotations

from typing import Any, Protocol, cast

import discord

from bot.i18n import Translate
from bot.kit.buttons import PersistentButton
from bot.ui import BaseModal, BaseView, loaded_cog
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
    PersistentButton,
    prefix="feedback:vote",
    fields={"poll_id": int, "position": int},
    style=discord.ButtonStyle.primary,
):
    """One option of a poll (`feedback:vote:17:2`). Pressing it only asks the member to
    confirm."""

    poll_id: int
    position: int

    @classmethod
    def of(cls, poll_id: int, position: int, label: str, *, disabled: bool = False) -> VoteButton:
        return cls(
            poll_id=poll_id,
            position=position,
            label=label,
            disabled=disabled,
            row=(position - 1) // BUTTONS_PER_ROW,
        )

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await vote_actions(interaction).vote_pressed(interaction, self.poll_id, self.position)


class ConfirmVoteButton(
    PersistentButton,
    prefix="feedback:confirm",
    fields={"poll_id": int, "position": int},
    style=discord.ButtonStyle.success,
):
    """On the private question "confirm your choice?" (`feedback:confirm:17:2`): counts the
    vote."""

    poll_id: int
    position: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await vote_actions(interaction).vote_confirmed(interaction, self.poll_id, self.position)


def poll_view(poll: Poll, *, disabled: bool = False) -> BaseView:
    view = BaseView(timeout=None)
    for option in poll.options:
        view.add_item(VoteButton.of(poll.id, option.position, option.label, disabled=disabled))
    return view


def confirm_view(poll_id: int, position: int, label: str) -> BaseView:
    view = BaseView(timeout=None)
    view.add_item(ConfirmVoteButton(poll_id=poll_id, position=position, label=label))
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
