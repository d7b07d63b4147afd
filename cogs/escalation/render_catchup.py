"""What people read about the hours the bot was away (issue 17): the note on an alert about a
message read by the catch-up, and the moderators' summary of the catch-up. No member's words.
Kept apart from render.py (which imports `offline_note` from here)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.i18n import Translate
from bot.kit.timestamps import stamp


def offline_note(posted_at: int, t: Translate) -> str:
    """Under the member's words in the alert."""
    return t(
        "(posted while the bot was offline, at {at}: read when it came back)",
        at=stamp(posted_at, "F"),
    )


def summary_text(payload: Mapping[str, Any], t: Translate, *, max_messages: int, hours: int) -> str:
    """The moderators' one message about an outage."""
    read = int(payload.get("read", 0))
    attention = int(payload.get("attention", 0))
    lines = [
        t(
            "I was offline from {start} to {end}.",
            start=stamp(int(payload["from"]), "F"),
            end=stamp(int(payload["until"]), "F"),
        ),
        t.plural(
            "I read {n} message posted meanwhile",
            "I read {n} messages posted meanwhile",
            read,
        )
        + "; "
        + t.plural("{n} needed attention.", "{n} needed attention.", attention),
    ]
    if attention:
        lines.append(t("Their alerts are above, each marked as posted while I was offline."))
    truncated = [int(c) for c in payload.get("truncated") or []]
    if truncated:
        lines.append(
            t(
                "Some channels had more than I read (I read at most the newest {n} messages of "
                "the last {hours} hours in each): {channels}. Please look through them.",
                n=max_messages,
                hours=hours,
                channels=", ".join(f"<#{c}>" for c in truncated),
            )
        )
    return "\n".join(lines)
