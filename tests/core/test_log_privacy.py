"""Logs say what happened, not to whom (issue 18): the bot is driven through the health-related
flows (a crisis message and /support, a case claimed and resolved with a note, a member joining
and leaving a cancer group with its agreement, a warning and a report, feedback and its digest),
with logging captured as `python -m bot` runs with LOG_LEVEL=DEBUG. Nothing at INFO or above names
a member (id or name); nothing at any level carries what a member typed. A second test reads
every log call in bot/ and cogs/ so that a new one naming a member above DEBUG fails the build."""

from __future__ import annotations

import ast
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.__main__ import QUIET_LIBRARIES, quiet_libraries
from bot.log_privacy import MemberIdsHidden, hide_member_ids
from tests.conftest import StartBot
from tests.core.privacy_community import PrivacyCommunity, start_privacy_community
from tests.fakediscord import FakeDiscord
from tests.harness import Server, wait_until

ROOT = Path(__file__).resolve().parents[2]

# What members (and a moderator) type, each with a word found nowhere else.
CRISIS = "I want to die, Marzipan is all I had"
SUPPORT = "Quokkafield: please can someone talk to me"
NOTE = "Called her, Rhubarbine is safe now"
WARNING = "Zeppelinia: please don't share cures"
REPORTED = "Tangerinox cures cancer, stop your chemo"
REASON = "Lavendrix: dangerous advice"
FEEDBACK = "Gooseberrix: the sessions are too short"
MARKERS = ("Marzipan", "Quokkafield", "Rhubarbine", "Zeppelinia", "Tangerinox", "Lavendrix")
MARKERS += ("Gooseberrix",)


@pytest.fixture
def bot_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Everything the bot logs with LOG_LEVEL=DEBUG, libraries quieted as python -m bot does."""
    saved = {name: logging.getLogger(name).level for name in QUIET_LIBRARIES}
    caplog.set_level(logging.DEBUG)
    quiet_libraries("DEBUG")
    try:
        yield caplog
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def text_of(record: logging.LogRecord) -> str:
    return f"{record.getMessage()} {record.exc_text or ''}"


async def test_logs_name_nobody_and_quote_nothing(
    start_bot: StartBot,
    fake_discord: FakeDiscord,
    server: Server,
    bot_logs: pytest.LogCaptureFixture,
) -> None:
    c: PrivacyCommunity = await start_privacy_community(start_bot, fake_discord, server)
    s, fake = c.server, c.fake

    # A member joins a cancer group (with its agreement), writes words of crisis; another uses
    # /support; a moderator claims the first case and resolves it with a note.
    assert "Welcome" in await c.join(c.peer)
    await c.crisis_message(c.peer, CRISIS)
    done = await c.support(s.member, SUPPORT)
    assert done.ephemeral, done
    await wait_until(lambda: len(c.alerts()) >= 2)
    first = c.alerts()[0]
    claim = [i for i in first.custom_ids() if i.startswith("escalation:claim:")]
    assert claim, first.custom_ids()
    await fake.click(s.moderator, first, claim[0])
    resolve = [i for i in first.custom_ids() if i.startswith("escalation:resolve:")]
    modal = await fake.click(s.moderator, c.fake.message(first.id), resolve[0])
    if modal.modal is not None:
        await fake.submit_modal(s.moderator, modal, {"note": NOTE})
    await c.settle()

    # A warning and a report.
    assert (await c.slash(s.moderator, "warn", member=c.peer.id, reason=WARNING)).ephemeral
    reported = await fake.send_message(c.peer, s.general, REPORTED)
    assert "Thank you" in await c.report(s.member, reported, REASON)

    # Feedback to the group's leaders, delivered; then the member leaves the group and the
    # server.
    assert "Thank you" in await c.feedback(s.member, FEEDBACK)
    await c.deliver_feedback()
    await wait_until(lambda: any("Gooseberrix" in m.text for m in fake.dm_messages(c.leader)))
    assert "left" in await c.leave(c.peer)
    await fake.member_leave(s.guild, c.peer)
    await c.settle()

    records = bot_logs.records
    ours = [r for r in records if r.name.startswith(("bot", "cogs"))]
    loud = [r for r in records if r.levelno >= logging.INFO]
    # The flows were logged, at INFO and at DEBUG (where the ids are, for debugging).
    assert any(r.name.startswith("cogs.escalation") and r.levelno >= logging.INFO for r in ours)
    assert any(r.name.startswith("cogs.groups") and r.levelno >= logging.INFO for r in ours)
    debug = [text_of(r) for r in ours if r.levelno == logging.DEBUG]
    assert any(str(c.peer.id) in line and "case" in line for line in debug), debug

    ids = [str(p.id) for p in c.people]
    names = [c.leader.username, c.peer.username, c.leader.global_name, c.peer.global_name]
    for record in loud:
        text = text_of(record)
        for member_id in ids:
            assert member_id not in text, (record.name, record.getMessage())
        for name in filter(None, names):
            assert name not in text, (record.name, record.getMessage())
    for record in records:  # at any level
        text = text_of(record)
        for marker in MARKERS:
            assert marker not in text, (record.name, record.levelname, record.getMessage())
    for record in loud:  # nor the cue, the member's words that raised the alert
        assert "want to die" not in text_of(record), record.getMessage()


# ---------------------------------------------------------------------- every log call, read

LEVELS_ABOVE_DEBUG = {"info", "warning", "error", "exception", "critical"}
# Names that hold a member: a user id, the one who acted, the one acted on, a member object.
MEMBER = re.compile(
    r"\b(user_id|user_ids\[|actor_id|target_id|by|author|member|after|leader_id|reporter_id"
    r"|interaction\.user|payload\.user|route\.user_id|incoming\.user_id|draft\.by)\b"
)
ALLOWED = {
    ("bot/client.py", "self.user.id"),  # the bot itself
    ("bot/client.py", "self.user"),
    ("cogs/feedback/polls.py", "'' if by is not None else ''"),  # "early" or "at its time"
}


def log_calls() -> Iterator[tuple[str, int, str, list[str]]]:
    for path in sorted([*ROOT.glob("bot/**/*.py"), *ROOT.glob("cogs/**/*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in LEVELS_ABOVE_DEBUG
                and "log" in ast.unparse(node.func.value).lower()
            ):
                args = [ast.unparse(a) for a in node.args[1:]]
                args += [ast.unparse(k.value) for k in node.keywords if k.arg != "exc_info"]
                args = [re.sub(r"'[^']*'|\"[^\"]*\"", "''", a) for a in args]  # no literals
                yield str(path.relative_to(ROOT)), node.lineno, node.func.attr, args


def test_no_log_call_above_debug_names_a_member() -> None:
    calls = list(log_calls())
    assert len(calls) > 50  # the reader finds them
    offending = [
        f"{path}:{line} {level}({arg})"
        for path, line, level, args in calls
        for arg in args
        if MEMBER.search(arg)
        and "len(" not in arg
        and (path, arg) not in ALLOWED
        and not arg.startswith(("member.guild", "after.guild", "payload.guild"))
    ]
    assert offending == []


def test_discord_py_addresses_name_no_member_in_the_log() -> None:
    """discord.py warns about a rate limit with the address, which may hold a member's id
    next to a group's role; python -m bot hides it (bot/log_privacy.py)."""
    url = "https://discord.com/api/v10/guilds/1/members/424242424242424242/roles/7"
    assert hide_member_ids(url) == "https://discord.com/api/v10/guilds/1/members/(a member)/roles/7"
    assert "@me" in hide_member_ids("/users/@me/channels")
    record = logging.LogRecord(
        "discord.http",
        logging.WARNING,
        __file__,
        1,
        "We are being rate limited. %s %s responded with 429. Retrying in %.2f seconds.",
        ("PUT", url, 1.5),
        None,
    )
    assert MemberIdsHidden().filter(record)
    assert "424242424242424242" not in record.getMessage()
    assert "/roles/7 responded with 429. Retrying in 1.50 seconds." in record.getMessage()
