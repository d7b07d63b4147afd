"""Buttons and modals of anonymous feedback.

Vote buttons must keep working after a restart, so they are the kit's persistent buttons
(bot/kit/buttons.py) whose custom id names the poll and the option (`feedback:vote:17:2`,
`feedback:confirm:17:2`, the ids of the buttons already posted) and nothing else: never the
member. Their errors are reported without the custom id, and nothing logs who pressed what.
The forms (/feedback, the poll's options) are the kit's persistent modals (bot/kit/modals.py):
an id unique to each opening that carries where the feedback goes or the poll's length and
group, never who writes nor what; two people at once never share one.
What pressing or submitting does lives in the cogs; the items know it only through the small
protocols below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

import discord

from bot.i18n import Translate
from bot.kit.buttons import PersistentButton
from bot.kit.modals import OPTIONAL_INT, Answers, PersistentModal
from bot.ui import BaseView, loaded_cog
from cogs.feedback.free_text import FEEDBACK_MAX_LENGTH
from cogs.feedback.poll_input import MAX_OPTIONS, OPTION_MAX_LENGTH, QUESTION_MAX_LENGTH
from cogs.feedback.polls import Poll, PollDraft

POLL_BOARD_COG = "Poll board"  # the cog that answers the vote buttons
POLL_COMMANDS_COG = "Poll commands"  # the poll options form
FEEDBACK_COG = "Feedback"  # the /feedback form
QUESTION_INPUT = "feedback:poll-options:question"
OPTIONS_INPUT = "feedback:poll-options:text"
BUTTONS_PER_ROW = 5


class VoteActions(Protocol):
    async def vote_pressed(
        self, interaction: discord.Interaction[Any], poll_id: int, position: int
    ) -> None: ...

    async def vote_confirmed(
        self, interaction: discord.Interaction[Any], poll_id: int, position: int
    ) -> None: ...


@dataclass(frozen=True)
class PollForm:
    """What the poll options form brings back: the poll's length and group from its id, the
    question and the options as typed."""

    duration: int  # seconds
    group_id: int | None
    question: str
    options: str


class PollOptionsActions(Protocol):
    async def poll_options_submitted(
        self, interaction: discord.Interaction[Any], form: PollForm
    ) -> None: ...


class FeedbackTextActions(Protocol):
    async def feedback_text_submitted(
        self, interaction: discord.Interaction[Any], group_id: int | None, text: str
    ) -> None: ...


def vote_actions(interaction: discord.Interaction[Any]) -> VoteActions:
    return cast(VoteActions, loaded_cog(interaction, POLL_BOARD_COG))


def poll_actions(interaction: discord.Interaction[Any]) -> PollOptionsActions:
    return cast(PollOptionsActions, loaded_cog(interaction, POLL_COMMANDS_COG))


def text_actions(interaction: discord.Interaction[Any]) -> FeedbackTextActions:
    return cast(FeedbackTextActions, loaded_cog(interaction, FEEDBACK_COG))


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


class PollOptionsModal(
    PersistentModal,
    prefix="feedback:poll",
    fields={"duration": int, "group": OPTIONAL_INT},
):
    """The question (prefilled with what /poll create was given) and the options of a new poll,
    one per line (a modal holds at most 5 inputs). The id carries how long the poll stays open
    and its group (`feedback:poll:<token>:259200:12`, or `...:259200:` for the whole server);
    the question comes back in the answer, so nothing waits in the bot's memory and two people
    creating polls at once each get their own."""

    duration: int
    group: int | None
    question: str = ""  # shown when the form opens; a rebuilt form reads the answer

    @classmethod
    def of(cls, draft: PollDraft) -> PollOptionsModal:
        modal = cls(duration=draft.duration, group=draft.group_id)
        modal.question = draft.question
        return modal

    def heading(self, t: Translate) -> str:
        return t("Poll options")

    def inputs(self, t: Translate) -> Sequence[discord.ui.Item[Any]]:
        return [
            discord.ui.TextInput(
                label=t("Question"),
                custom_id=QUESTION_INPUT,
                default=self.question,
                min_length=1,
                max_length=QUESTION_MAX_LENGTH,
            ),
            discord.ui.TextInput(
                label=t("Options, one per line (2 to 10)"),
                custom_id=OPTIONS_INPUT,
                style=discord.TextStyle.paragraph,
                placeholder=t("Yes\nNo\nNot sure yet"),
                min_length=3,
                max_length=MAX_OPTIONS * (OPTION_MAX_LENGTH + 1),
            ),
        ]

    async def submitted(self, interaction: discord.Interaction[Any], answers: Answers) -> None:
        await poll_actions(interaction).poll_options_submitted(
            interaction,
            PollForm(
                duration=self.duration,
                group_id=self.group,
                question=answers.text(QUESTION_INPUT),
                options=answers.text(OPTIONS_INPUT),
            ),
        )


class FeedbackModal(PersistentModal, prefix="feedback:text", fields={"group": OPTIONAL_INT}):
    """The text of a piece of anonymous feedback. The id carries where it goes: a group's
    leaders (`feedback:text:<token>:12`) or the moderators (`feedback:text:<token>:`), never
    who writes."""

    group: int | None

    def heading(self, t: Translate) -> str:
        return t("Anonymous feedback")

    def inputs(self, t: Translate) -> Sequence[discord.ui.Item[Any]]:
        to = t("the group's leaders") if self.group is not None else t("the moderators")
        return [
            discord.ui.TextInput(
                label=t("Your message to {to}", to=to)[:45],
                custom_id="feedback:text:body",
                style=discord.TextStyle.paragraph,
                placeholder=t("Your name is not attached and not stored."),
                min_length=1,
                max_length=FEEDBACK_MAX_LENGTH,
            )
        ]

    async def submitted(self, interaction: discord.Interaction[Any], answers: Answers) -> None:
        await text_actions(interaction).feedback_text_submitted(
            interaction, self.group, answers.text("feedback:text:body")
        )
