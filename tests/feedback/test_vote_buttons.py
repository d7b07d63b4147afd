"""The vote buttons on the kit's PersistentButton: the custom ids of buttons already posted in
Discord still parse after the upgrade, they name the poll and the option and never the member,
and an error while voting is logged without the option."""

from __future__ import annotations

import logging

import discord
import pytest

from cogs.feedback.repository import Poll, PollOption
from cogs.feedback.views import ConfirmVoteButton, VoteButton, confirm_view, poll_view
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import User
from tests.feedback.conftest import open_poll, poll_board, poll_id_of, press, the_bot
from tests.harness import BotRunner, Server


def test_custom_ids_of_posted_buttons_still_parse() -> None:
    """Buttons posted before the kit (`feedback:vote:17:2`, `feedback:confirm:17:2`)."""
    assert VoteButton.parse("feedback:vote:17:2") == {"poll_id": 17, "position": 2}
    assert ConfirmVoteButton.parse("feedback:confirm:17:2") == {"poll_id": 17, "position": 2}
    assert VoteButton.custom_id_for(poll_id=17, position=2) == "feedback:vote:17:2"
    assert ConfirmVoteButton.custom_id_for(poll_id=17, position=2) == "feedback:confirm:17:2"
    for other in ("feedback:vote:17", "feedback:vote:17:2:3", "feedback:confirm:x:2", "vote:17:2"):
        assert VoteButton.parse(other) is None and ConfirmVoteButton.parse(other) is None


async def test_the_buttons_carry_the_poll_and_the_option_only() -> None:
    options = tuple(PollOption(position=i, label=f"Option {i}", votes=0) for i in range(1, 8))
    poll = Poll(
        id=17,
        guild_id=1,
        channel_id=2,
        message_id=3,
        group_id=None,
        question="Q?",
        min_voters=3,
        voters=0,
        status="open",
        closes_at=100,
        created_by=99,
        created_at=0,
        closed_at=None,
        closed_by=None,
        options=options,
    )
    buttons = [item for item in poll_view(poll).children if isinstance(item, VoteButton)]
    assert [b.custom_id for b in buttons] == [f"feedback:vote:17:{i}" for i in range(1, 8)]
    assert [b.item.row for b in buttons] == [0, 0, 0, 0, 0, 1, 1]  # five to a row
    assert {b.item.style for b in buttons} == {discord.ButtonStyle.primary}
    (confirm,) = confirm_view(17, 2, "Confirm my vote").children
    assert isinstance(confirm, ConfirmVoteButton)
    assert confirm.custom_id == "feedback:confirm:17:2"
    assert confirm.item.style is discord.ButtonStyle.success


async def test_an_error_while_voting_is_logged_without_the_choice(
    bot_runner: BotRunner,
    fake_discord: FakeDiscord,
    server: Server,
    people: list[User],
    monkeypatch: pytest.MonkeyPatch,
    bot_logs: pytest.LogCaptureFixture,
) -> None:
    """The one error path logs the member's id with what they pressed: for a vote that must
    name the button's class, never its custom id (which names the option)."""
    fake = fake_discord
    poll = await open_poll(fake, server.moderator, server, "Red\nGreen")
    pressed = await press(fake, people[0], poll, 2)

    async def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("the database went away")

    # The bot's own service (each bot start imports the feature's modules anew).
    monkeypatch.setattr(poll_board(the_bot(bot_runner)).polls, "vote", broken)
    answer = await fake.click(people[0], pressed.message, pressed.message.custom_ids()[0])
    assert "something went wrong" in answer.text
    errors = [r for r in bot_logs.records if r.levelno >= logging.ERROR]
    assert errors and any("ConfirmVoteButton" in r.getMessage() for r in errors)
    choice = f"feedback:confirm:{poll_id_of(poll)}:2"
    for record in bot_logs.records:
        text = record.getMessage()
        if str(people[0].id) in text:
            assert choice not in text and "Green" not in text, text
