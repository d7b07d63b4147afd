"""bot/kit/text.py: what a member typed, shown to others literally (issue 18)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import discord

from bot.kit.text import escape_member_text, leader_text, quote_member_text

PHISHING = "[Click to verify](https://evil.example) # From the moderators @everyone **bold**"
ZWSP = "\u200b"


def shown(text: str) -> str:
    """What a reader sees once Discord has applied the escapes (a backslash shows the next
    character as it is) and drawn the zero-width spaces as nothing."""
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL).replace(ZWSP, "")


def masked_links(text: str) -> list[str]:
    """Masked links Discord would draw: `[words](address)` with neither bracket escaped."""
    return re.findall(r"(?<!\\)\[[^\]\n]*(?<!\\)\]\(", text)


def test_the_phishing_example_is_shown_literally() -> None:
    escaped = escape_member_text(PHISHING)
    assert shown(escaped) == PHISHING  # readable: the reader sees exactly what was typed
    assert masked_links(escaped) == []
    assert "@everyone" not in escaped and f"@{ZWSP}everyone" in escaped
    assert "**bold**" not in escaped and r"\*\*bold\*\*" in escaped
    assert "https://evil.example" in escaped  # the address shows (and still opens) as typed


def test_every_line_start_that_discord_would_format_is_escaped() -> None:
    typed = "# From the moderators\n  ## indented\n-# small print\n> a quote\n>>> the rest\n- item"
    escaped = escape_member_text(typed)
    assert shown(escaped) == typed
    for line in escaped.splitlines():
        assert re.match(r"^\s*(#|-#|>|- )", line) is None, line


def test_what_discord_py_escape_markdown_lets_through_is_caught() -> None:
    # Its masked-link pattern is greedy: everything between the first "[" and the last ")"
    # stays as typed, a second link and the bold in between included.
    typed = "[a](https://one.example) **loud** [b](https://two.example)"
    assert "**loud**" in discord.utils.escape_markdown(typed)
    escaped = escape_member_text(typed)
    assert masked_links(escaped) == [] and "**loud**" not in escaped
    assert shown(escaped) == typed
    # a link inside brackets, a backslash typed to undo ours, the <address> form
    for tricky in (
        "[x [y](https://e.example)",
        r"\[z](https://e.example)",
        "[w](<https://e.example>)",
    ):
        escaped = escape_member_text(tricky)
        assert masked_links(escaped) == [], escaped
        assert shown(escaped) == tricky


def test_mentions_and_code_cannot_break_out() -> None:
    typed = "<@123456789012345678> <@&123456789012345678> @here </ban:123456789012345678> ```x```"
    escaped = escape_member_text(typed)
    assert shown(escaped) == typed
    assert "<@1" not in escaped and "<@&" not in escaped and "@here" not in escaped
    assert "</ban" not in escaped and "```" not in escaped
    assert "snake_case and https://a.example/x_y_z" in shown(
        escape_member_text("snake_case and https://a.example/x_y_z")
    )
    assert "https://a.example/x_y_z" in escape_member_text("see https://a.example/x_y_z")


def test_a_quote_keeps_every_line_inside_it() -> None:
    typed = "first\n\n> fake reply\n# Heading\n```\nlast"
    quoted = quote_member_text(typed)
    lines = quoted.splitlines()
    assert len(lines) == typed.count("\n") + 1
    assert all(line.startswith("> ") for line in lines)
    assert shown("\n".join(line[2:] for line in lines)) == typed


def test_limits_count_the_escaped_text() -> None:
    typed = "*" * 1000
    assert len(escape_member_text(typed)) == 2000
    cut = escape_member_text(typed, limit=1024)
    assert len(cut) == 1024 and cut.endswith("…")
    assert len(quote_member_text("a\n" * 600, limit=900)) == 900
    assert escape_member_text("short", limit=10) == "short"


def test_leader_text_keeps_formatting_but_no_masked_link_nor_mention() -> None:
    typed = "# Our guidelines\n- **Be kind**\n- [Read more](https://evil.example)\n@everyone"
    safe = leader_text(typed)
    assert "# Our guidelines" in safe and "- **Be kind**" in safe
    assert masked_links(safe) == []
    assert "@everyone" not in safe
    assert shown(safe) == typed


def test_the_kit_text_module_imports_no_discord() -> None:
    """Services may use it (tests/test_project.py checks the services themselves)."""
    source = Path(__file__).resolve().parents[2] / "bot" / "kit" / "text.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not [m for m in imported if m.split(".")[0] == "discord"]
