"""Text one person typed, shown to someone else, is shown literally (issue 18): feedback to a
group's leaders, a poll's question and options, a report's reason, the words quoted in a crisis
alert, a warning's reason. No masked link, no heading, no mention, no bold: what the reader
sees is what was typed, with the address visible."""

from __future__ import annotations

import re

import pytest

from tests.conftest import StartBot
from tests.core.privacy_community import PrivacyCommunity, start_privacy_community
from tests.core.test_kit_escape import PHISHING, masked_links, shown
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Message
from tests.feedback.conftest import create_poll, polls_in
from tests.harness import Server, wait_until

# The same words over lines, so that a heading and a quote would start a line.
OVER_LINES = "[Click to verify](https://evil.example)\n# From the moderators @everyone\n> **bold**"


@pytest.fixture
async def c(start_bot: StartBot, fake_discord: FakeDiscord, server: Server) -> PrivacyCommunity:
    return await start_privacy_community(start_bot, fake_discord, server)


def assert_literal(rendered: str, typed: str) -> None:
    """`rendered` (what the bot sent) shows `typed` as typed and nothing Discord would format."""
    assert typed in shown(rendered), rendered
    assert masked_links(rendered) == [], rendered
    assert "@everyone" not in rendered and "**bold**" not in rendered, rendered
    for line in rendered.splitlines():
        inside = line.removeprefix("> ")  # the bot's own quote around the words
        assert re.match(r"^\s*(#|-#|>)", inside) is None, rendered


def field(message: Message, name: str) -> str:
    values = [
        str(f.get("value", ""))
        for e in message.embeds
        for f in e.get("fields", [])
        if f.get("name") == name
    ]
    assert values, (name, message.embeds)
    return values[0]


async def test_feedback_reaches_the_leaders_literally(c: PrivacyCommunity) -> None:
    member = c.server.member
    for text in (PHISHING, OVER_LINES):
        assert "Thank you" in await c.feedback(member, text)
    await c.deliver_feedback()

    def digests() -> list[Message]:
        return [m for m in c.fake.dm_messages(c.leader) if "to the leaders of" in m.text]

    await wait_until(lambda: len(digests()) == 1)
    items = [str(e.get("description", "")) for e in digests()[0].embeds[1:]]
    assert len(items) == 2
    for text in (PHISHING, OVER_LINES):
        [item] = [i for i in items if shown(i) == text]
        assert_literal(item, text)
    # and nothing could ping anyway: the bot's default sends allowed_mentions none
    mentions = digests()[0].allowed_mentions
    assert mentions is not None and mentions.get("parse") == [] and not mentions.get("roles")


async def test_a_poll_question_and_its_options_are_shown_literally(c: PrivacyCommunity) -> None:
    s = c.server
    options = "[Yes](https://evil.example)\n@everyone **no**"
    done = await create_poll(c.fake, s.moderator, s.guild, s.general, options, question=PHISHING)
    assert "Your poll is posted" in done.text, done
    [poll] = polls_in(c.fake, s.general)
    description = str(poll.embeds[0].get("description", ""))
    assert_literal(description, PHISHING)
    labels = [str(b.get("label")) for row in poll.components for b in row.get("components", [])]
    assert "[Yes](https://evil.example)" in labels  # a button's label is never formatted
    # Closed early: the results name the options, escaped.
    poll_id = poll.custom_ids()[0].split(":")[2]
    closed = await c.slash(s.moderator, "poll close", s.general, poll=poll_id)
    assert "The poll is closed" in closed.text, closed
    await c.settle()
    results = [m for m in c.bot_messages(s.general) if m.id != poll.id and m.embeds]
    assert results, "no results"
    text = "\n".join(str(e.get("description", "")) for e in results[-1].embeds)
    assert_literal(text, PHISHING)
    assert "[Yes](" not in text and "@everyone" not in text


async def test_a_report_reason_is_shown_literally_to_the_moderators(c: PrivacyCommunity) -> None:
    words = await c.fake.send_message(c.peer, c.server.general, OVER_LINES)
    assert "Thank you" in await c.report(c.server.member, words, PHISHING)
    await c.settle()
    [post] = [
        m
        for m in c.bot_messages(c.server.private) + c.bot_messages(c.mod_log)
        if m.embeds and str(m.embeds[0].get("title", "")).startswith("Report #")
    ]
    reason = field(post, "Their reason")
    assert_literal(reason, PHISHING)
    assert all(line.startswith("> ") for line in reason.splitlines())
    quoted = str(post.embeds[0].get("description", ""))  # the reported words, quoted
    assert all(line.startswith("> ") for line in quoted.splitlines())
    assert shown("\n".join(line[2:] for line in quoted.splitlines())) == OVER_LINES
    assert_literal(quoted, "[Click to verify](https://evil.example)")


async def test_a_crisis_alert_quotes_the_words_literally(c: PrivacyCommunity) -> None:
    await c.crisis_message(c.server.member, "I want to die.\n" + OVER_LINES)
    [alert] = c.alerts()
    words = field(alert, "What they wrote")
    lines = [line for line in words.splitlines() if line.startswith("> ")]
    quote = "\n".join(line[2:] for line in lines)
    assert shown(quote) == "I want to die.\n" + OVER_LINES
    assert_literal(words, "[Click to verify](https://evil.example)")


async def test_a_warning_reason_is_shown_literally(c: PrivacyCommunity) -> None:
    s = c.server
    res = await c.slash(s.moderator, "warn", member=c.peer.id, reason=PHISHING)
    assert res.ephemeral, res
    await c.settle()
    [entry] = [
        m
        for m in c.bot_messages(c.mod_log)
        if m.embeds and "Warning" in str(m.embeds[0].get("title", ""))
    ]
    assert_literal(field(entry, "Reason"), PHISHING)
    notice = [m for m in c.fake.dm_messages(c.peer) if "Reason:" in m.text]
    assert notice, "the member was not told"
    assert_literal(notice[-1].content, PHISHING)
