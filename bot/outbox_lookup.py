"""Before resending a crisis message long after an attempt whose outcome is unknown.

Discord drops a repeat of a message that carries the same nonce, but only for a few minutes.
A bot killed (or cut off) after sending a request and before its answer, and back later than
that, cannot count on it: the dispatcher then looks for the message in the destination's recent
history (what was posted there after the row's first attempt) and sends only if it is not
there. A message is the row's when the bot wrote it and it carries the row's nonce (when Discord
returns it) or the same identity as the message rendered now: a button's custom id (they name
the case: `escalation:claim:42`), else the same embed titles ("Alert #42: ..."), else the same
text. Only urgent kinds are looked for (their renderers give each message such an identity);
others rely on the nonce alone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

import discord

from bot.outbox import OutboxMessage
from bot.outbox_failures import is_transient

log = logging.getLogger(__name__)

# Discord keeps a nonce "a few minutes"; past this age of the row, look before resending.
NONCE_WINDOW_SECONDS = 120
# Messages after the first attempt are searched, from this long before it (clock skew).
CLOCK_MARGIN_SECONDS = 60
HISTORY_LIMIT = 100


def snowflake_before_now() -> int:
    """A Discord id older than anything the coming attempt can create (Discord's own clock)."""
    return discord.utils.time_snowflake(
        discord.utils.utcnow() - timedelta(seconds=CLOCK_MARGIN_SECONDS)
    )


def needs_lookup(row: OutboxMessage, now: int) -> bool:
    """An urgent row tried before, whose first try is older than Discord's nonce window."""
    return (
        row.urgent
        and row.attempts > 1
        and row.tried_after is not None
        and now - row.created_at >= NONCE_WINDOW_SECONDS
    )


def _custom_ids(components: Sequence[object]) -> set[str]:
    found: set[str] = set()
    for component in components:
        children = getattr(component, "children", None)
        if children:
            found |= _custom_ids(list(children))
        custom_id = getattr(component, "custom_id", None)
        if isinstance(custom_id, str) and custom_id:
            found.add(custom_id)
    return found


def same_message(
    found: discord.Message,
    row: OutboxMessage,
    *,
    content: str | None,
    embeds: list[discord.Embed],
    view: discord.ui.View | None,
) -> bool:
    """Whether `found` is the message an earlier attempt of `row` created."""
    if found.nonce is not None and str(found.nonce) == row.nonce:
        return True
    rendered_ids = _custom_ids(list(view.children)) if view is not None else set()
    if rendered_ids:
        return bool(rendered_ids & _custom_ids(list(found.components)))
    titles = [e.title for e in embeds]
    if titles and all(titles):
        return titles == [e.title for e in found.embeds]
    return bool(content) and found.content == content


async def find_earlier_send(
    me: int,
    channel: discord.abc.Messageable,
    row: OutboxMessage,
    *,
    content: str | None,
    embeds: list[discord.Embed],
    view: discord.ui.View | None,
) -> discord.Message | None:
    """The message an earlier attempt of `row` created in `channel`, if it is there."""
    assert row.tried_after is not None
    async for message in channel.history(
        limit=HISTORY_LIMIT, after=discord.Object(row.tried_after), oldest_first=True
    ):
        if message.author.id == me and same_message(
            message, row, content=content, embeds=embeds, view=view
        ):
            return message
    return None


async def earlier_send(
    me: discord.ClientUser | None,
    destination: discord.abc.Messageable,
    row: OutboxMessage,
    content: str | None,
    embeds: list[discord.Embed],
    view: discord.ui.View | None,
) -> discord.Message | None:
    """`find_earlier_send` for the dispatcher, saying in the log what it found. A destination
    the bot cannot read counts as not found (better a message twice than a crisis message
    lost); a transient error is raised, for the row to be tried again."""
    if me is None:
        return None
    try:
        found = await find_earlier_send(
            me.id, destination, row, content=content, embeds=embeds, view=view
        )
    except discord.HTTPException as error:
        if is_transient(error):
            raise
        log.warning(
            "outbox %d (%s): could not look for an earlier send: %s", row.id, row.kind, error
        )
        return None
    if found is None:
        log.info("outbox %d (%s): an earlier attempt did not arrive; sending", row.id, row.kind)
    else:
        log.warning(
            "outbox %d (%s): an earlier attempt arrived after all (message %d); not resending",
            row.id,
            row.kind,
            found.id,
        )
    return found
