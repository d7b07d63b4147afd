"""/timeout across a crash, the Discord side: a /timeout records its intent before Discord
applies it (ModerationService.intend_timeout); an intent a crash left behind is completed here
at start if Discord shows the timeout, or dropped if it does not. A moderator whose /timeout got
no answer (the bot stopped first) and who tries again is told it was done, and nothing doubles
(`refuse_a_retry`)."""

from __future__ import annotations

import logging
from collections.abc import Container
from datetime import datetime

import discord

from bot.errors import UserError
from bot.i18n import N_
from bot.kit.timestamps import stamp
from cogs.moderation.actions import TIMEOUT
from cogs.moderation.service import ModerationService

log = logging.getLogger(__name__)

UNTIL_SLACK = 2  # seconds: Discord's timeout end, as read back, matches the intent's


async def reconcile_timeouts(
    service: ModerationService, guild: discord.Guild, *, skip: Container[int] = ()
) -> None:
    """If Discord shows the member timed out until the intent's moment, it happened: its case
    and the word to the member follow (once: the intent goes in that same transaction);
    otherwise it did not, and the intent is dropped. `skip`: intents this process is still
    carrying out."""
    for pending in await service.pending_timeouts(guild.id):
        if pending.id in skip:
            continue
        try:
            member: discord.Member | None = await guild.fetch_member(pending.user_id)
        except discord.NotFound:
            member = None  # gone from the server: no timeout of theirs can be seen
        except discord.HTTPException as error:
            log.warning("timeout intent %d: member not read yet: %s", pending.id, error)
            continue
        until = member.timed_out_until if member is not None else None
        if until is not None and abs(until.timestamp() - pending.until) <= UNTIL_SLACK:
            case = await service.record_timeout(
                guild.id,
                pending.user_id,
                by=pending.actor_id,
                until=pending.until,
                reason=pending.reason,
                intent=pending.id,
            )
            log.info("timeout intent %d completed after a restart: case %s", pending.id, case)
        else:
            await service.drop_timeout(pending.id)
            log.info("timeout intent %d was never applied: dropped", pending.id)


async def refuse_a_retry(
    service: ModerationService,
    now: datetime,
    caller: discord.Member,
    member: discord.Member,
    reason: str,
) -> None:
    """The same /timeout again, a few minutes after one whose answer a crash cut short: the
    member is still timed out from it, its case recorded and the member told. Said so, and
    nothing doubled."""
    current = member.timed_out_until
    if current is None or current <= now:
        return
    same = await service.recent_same(
        caller.guild.id, member.id, TIMEOUT, by=caller.id, reason=reason
    )
    if same is not None:
        raise UserError(
            N_(
                "{member} is already timed out until {until}: you did it a few minutes ago "
                "(case #{case}), and they were told then. Nothing new was done. To change it, "
                "use /untimeout first."
            ),
            member=member.mention,
            until=stamp(int(current.timestamp())),
            case=same.case_number,
        )


def refused(error: discord.HTTPException) -> UserError | None:
    """What the moderator is told when Discord refuses a timeout: a 400 (the end beyond Discord's
    28 days, as a clock running ahead of Discord's can make it) gets a clear answer instead of
    the generic apology; anything else (None) is left to the error handler."""
    if error.status == 400:
        return UserError(
            N_(
                "Discord refused this timeout: it must end within 28 days of now. "
                "Nothing was applied; please try a shorter one."
            )
        )
    return None
