"""Text one person typed, made safe to show to someone else.

A member's feedback, a poll question, a report reason, the words quoted in a crisis alert, a
group's name, a meeting's title, a warning reason, a moderator's note: whoever reads it must
see exactly what was typed, and nothing the writer dressed up. Discord would otherwise render
`[Click to verify](https://evil.example)` as a masked link, `# From the moderators` as a
heading, `-# ...` as small print, `> ...` as a quote of someone else, and `<@id>` as a real
mention. `escape_member_text()` shows all of it literally and stays readable (the backslashes
it adds are not shown by Discord); `quote_member_text()` does the same inside a block quote
whose every line is prefixed, so no line can leave the quote.

Text leaders write for their group to keep (guidelines) may keep its formatting: bold, lists
and headings are how guidelines are written. `leader_text()` keeps that formatting and still
takes away masked links and mentions, so a leader's text can neither disguise a link nor ping.

Nothing escaped here can ping anyway: every send uses `allowed_mentions` none (bot/client.py,
bot/dispatcher.py, bot/tree.py). Escaping also makes sure a mention is not even *shown* as one.

Replaces the bare `discord.utils.escape_markdown` calls in the features (which left masked links
after the first, and everything between them, headings behind spaces and mentions alone). No
discord import: a service may use it.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"

# discord.utils.escape_markdown is not enough: its masked-link pattern is greedy and skips
# everything between the first `[` and the last `)` of a line, so `[a](b) **x** [c](d)` kept
# its bold and its second link. Here every markdown character is escaped on its own.
# An address (left as typed, so it still opens; its brackets are escaped below).
_URL = r"<[^: >]+:/[^ >]+>|(?:https?|steam)://[^\s<]+[^<.,:;\"'\]\s]"
_MARKDOWN = re.compile(
    rf"(?P<url>{_URL})|(?P<char>[\\*_~|`\[\]])|^(?P<indent>[ \t]*)(?P<start>[#>-])",
    re.MULTILINE,
)
# A `[` or `]` not already escaped (preceded by an even number of backslashes, none included).
_BRACKET = re.compile(r"(?<!\\)((?:\\\\)*)([\[\]])")
# @everyone, @here and user or role mentions (as discord.utils.escape_mentions), which would
# show as a mention even where they cannot ping.
_MENTION = re.compile(r"@(everyone|here|[!&]?[0-9]{15,21})")
# Slash-command mentions (`</name:id>`) look like the bot's own buttons to commands.
_COMMAND_MENTION = re.compile(r"<(/[^<>\s:]+(?: [^<>:]+)*:\d+)>")


def _escape(match: re.Match[str]) -> str:
    if match["url"]:
        return match["url"]
    if match["char"]:
        return "\\" + match["char"]
    return f"{match['indent']}\\{match['start']}"


def _no_links_no_mentions(text: str) -> str:
    text = _BRACKET.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", text)
    text = _MENTION.sub("@\u200b\\1", text)
    return _COMMAND_MENTION.sub(lambda m: f"<\u200b{m.group(1)}>", text)


def _cut(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[: max(limit - len(ELLIPSIS), 0)] + ELLIPSIS


def escape_member_text(text: str, *, limit: int | None = None) -> str:
    """`text` shown literally wherever Discord renders markdown (message content, embed
    descriptions and field values, titles): no bold, italics, spoilers, code, headings, small
    print, lists or quotes, no masked link (its words and its address both show), no mention.
    `limit` cuts the escaped text (with "…") to fit where it goes."""
    escaped = _MARKDOWN.sub(_escape, text)
    return _cut(_no_links_no_mentions(escaped), limit)


def quote_member_text(text: str, *, limit: int | None = None) -> str:
    """`escape_member_text` inside a block quote: every line starts with `> `, so the writer's
    words cannot leave the quote nor pass for the bot's own. `limit` counts the whole quote."""
    escaped = escape_member_text(text.strip())
    lines = escaped.splitlines() or [""]
    return _cut("\n".join(f"> {line}" for line in lines), limit)


def leader_text(text: str, *, limit: int | None = None) -> str:
    """Text leaders write for their group to keep (guidelines): formatting stays, masked links
    show their words and address, and nothing in it is shown as a mention."""
    return _cut(_no_links_no_mentions(text), limit)


_BOT_MENTION = re.compile(r"<(?:@[&!]?|#)[0-9]{15,21}>")


def escape_detail(value: str) -> str:
    """A value of a message the bot composed (a mod-log detail, a notice's parameter): a bare
    user, role or channel mention the bot wrote itself stays a mention (sent without pings);
    anything else is escaped like member text."""
    return value if _BOT_MENTION.fullmatch(value) else escape_member_text(value)
