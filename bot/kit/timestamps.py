"""Discord timestamps: `<t:EPOCH:STYLE>`, shown to each reader in their own zone and language.

Replaces `stamp()` in cogs/moderation/render.py (default "F"), cogs/confidentiality/render.py
(default "f": pass style="f") and cogs/feedback/cog.py (style always given), and the
"<t:X:F> (<t:X:R>)" pair in cogs/escalation/render.py and cogs/meetings/render.py
(`stamp_and_relative`). Texts that put `<t:{at}:F>` inside a translated sentence may keep doing so.
No discord import: services may use it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

# t 16:20 · T 16:20:30 · d 20/04/2021 · D 20 April 2021 · f 20 April 2021 16:20 ·
# F Tuesday, 20 April 2021 16:20 · R 2 months ago
Style = Literal["t", "T", "d", "D", "f", "F", "R"]
STYLES = frozenset("tTdDfFR")


def epoch_of(moment: int | float | datetime) -> int:
    """Epoch seconds of an int/float or an aware datetime (a naive one is refused)."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError("naive datetime: attach a time zone first")
        return int(moment.timestamp())
    if isinstance(moment, bool):
        raise TypeError("a timestamp is a number of seconds or a datetime")
    return int(moment)


def stamp(moment: int | float | datetime, style: Style = "F") -> str:
    """A Discord timestamp: each reader sees it in their own zone."""
    if style not in STYLES:
        raise ValueError(f"unknown timestamp style {style!r}")
    return f"<t:{epoch_of(moment)}:{style}>"


def stamp_and_relative(moment: int | float | datetime, style: Style = "F") -> str:
    """'Tuesday, 2 March 2027 12:00 (in 3 days)'."""
    return f"{stamp(moment, style)} ({stamp(moment, 'R')})"
