"""The rules of moderation: reports, warnings and timeouts. No discord import.

Every action is recorded through the core mod log (`bot.modlog`) in the same transaction as the
feature's own rows and the messages it sends (through the outbox), so nothing is half-done.
Guidelines and their reminders are in guidelines.py.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from bot.clock import Clock, epoch
from bot.db import Database
from bot.errors import NotAllowed, NotFound, UserError
from bot.i18n import N_
from bot.kit.durations import parse_duration
from bot.modlog import ModLog, ModLogEntry
from bot.outbox import Outbox
from cogs.moderation.actions import (
    REPORT,
    REPORT_DISMISSED,
    REPORT_RESOLVED,
    TIMEOUT,
    UNTIMEOUT,
    WARN,
)
from cogs.moderation.models import MemberWarning, PendingTimeout, Report
from cogs.moderation.repository import ModerationRepository

log = logging.getLogger(__name__)

# Outbox kinds, rendered by the cog.
MEMBER_NOTICE = "moderation:member_notice"  # payload {"case": n}: a warning or timeout, by DM
REPORT_POST = "moderation:report"  # payload {"report": id}: the moderators' copy of a report
UNDELIVERED = "moderation:undelivered"  # payload {"case": n}: the member could not be told

REASON_MAX = 500
REPORT_REASON_MAX = 1000
SNAPSHOT_MAX = 1800  # what is kept of a reported message (Discord allows 2000, plus extras)
DAY = 86400
REPEAT_SECONDS = 600  # the same warning or timeout again this soon is a retry, not a new case
TIMEOUT_MIN_SECONDS = 60
TIMEOUT_MAX_SECONDS = 28 * DAY  # Discord's own limit


def parse_timeout(text: str) -> int:
    """'10m', '1h', '1d 12h', '2 weeks' -> seconds, from one minute to Discord's 28 days."""
    return parse_duration(
        text,
        minimum=TIMEOUT_MIN_SECONDS,
        maximum=TIMEOUT_MAX_SECONDS,
        unreadable=N_(
            "I couldn't read “{value}” as a length of time. Write it like 10m, 1h, 3d or 1w "
            "(minutes, hours, days, weeks), or pick one from the list."
        ),
        out_of_range=N_(
            "A timeout lasts from one minute to 28 days (Discord's limit). Please pick a time."
        ),
    )


def clean_reason(text: str | None, *, required: bool, limit: int = REASON_MAX) -> str | None:
    reason = (text or "").strip()
    if not reason:
        if required:
            raise UserError(
                N_("Please give a short reason: the member and the moderators will read it.")
            )
        return None
    if len(reason) > limit:
        raise UserError(
            N_("The reason is {length} characters long; please keep it under {limit}."),
            length=len(reason),
            limit=limit,
        )
    return reason


@dataclass(frozen=True)
class Target:
    """Who a moderation command is aimed at, as the cog found them in Discord."""

    user_id: int
    is_bot: bool
    is_staff: bool  # a moderator or an admin
    above_bot: bool = False  # their highest role is at or above the bot's


def check_target(actor_id: int, target: Target) -> None:
    """Moderation is for members: never yourself, the bot, or the moderators and admins."""
    if target.user_id == actor_id:
        raise UserError(N_("You can't do that to yourself."))
    if target.is_bot:
        raise UserError(N_("Bots can't be moderated with these commands."))
    if target.is_staff:
        raise NotAllowed(
            N_(
                "Moderators and admins can't be warned or timed out with the bot. If something "
                "is wrong, please talk with the server's admins."
            )
        )


def snapshot_of(content: str, attachments: int) -> str:
    text = content.strip()
    if len(text) > SNAPSHOT_MAX:
        text = text[: SNAPSHOT_MAX - 1] + "…"
    if attachments:
        text += f"\n[+{attachments} attachment(s)]" if text else f"[{attachments} attachment(s)]"
    return text


@dataclass(frozen=True)
class Warned:
    case_number: int
    notice_outbox_id: int  # the member's DM, to tell the moderator whether it arrived


# (guild_id) -> retention days
RetentionLookup = Callable[[int], Awaitable[int]]
# (the report as it will be once purged) -> True when its post in Discord no longer shows the
# text (edited, or gone), False to try again later
Redactor = Callable[[Report], Awaitable[bool]]


class ModerationService:
    def __init__(self, db: Database, clock: Clock, outbox: Outbox, modlog: ModLog) -> None:
        self.db = db
        self.repo = ModerationRepository(db)
        self._clock = clock
        self._outbox = outbox
        self.modlog = modlog

    def now(self) -> int:
        return epoch(self._clock())

    # ------------------------------------------------------------------ warnings

    async def warn(
        self,
        guild_id: int,
        user_id: int,
        *,
        by: int,
        reason: str,
        group_id: int | None,
        guideline_id: int | None,
    ) -> Warned:
        cleaned = clean_reason(reason, required=True)
        assert cleaned is not None
        same = await self.recent_same(guild_id, user_id, WARN, by=by, reason=cleaned)
        if same is not None:
            # A moderator whose /warn was cut short (the bot stopped before it answered) tries
            # again: the warning was recorded and the member told; never twice.
            raise UserError(
                N_(
                    "You gave this warning a few minutes ago: it is case #{case}, and the member "
                    "was told then. Nothing new was recorded (/warnings shows their history)."
                ),
                case=same.case_number,
            )
        details: dict[str, str | int] = {}
        if guideline_id is not None:
            guideline = await self.repo.guideline(guideline_id)
            if guideline is None or guideline.guild_id != guild_id:
                raise NotFound(N_("I couldn't find those guidelines. Please pick from the list."))
            if guideline.for_group is not None and guideline.for_group != group_id:
                # Another group's guidelines: that group's own, not the member's to keep.
                raise UserError(
                    N_(
                        "Those are another group's guidelines. Please pick the server's "
                        "guidelines or those of the group this warning is about."
                    )
                )
            details["guideline"] = guideline.id
        async with self.db.transaction() as tx:
            case = await self.modlog.record_in(
                tx,
                guild_id=guild_id,
                action=WARN,
                actor_id=by,
                target_id=user_id,
                group_id=group_id,
                reason=cleaned,
                details=details,
            )
            await self.repo.insert_member_warning(
                tx,
                guild_id=guild_id,
                user_id=user_id,
                group_id=group_id,
                guideline_id=guideline_id,
                reason=cleaned,
                case_number=case,
                by=by,
                now=self.now(),
            )
            notice = await self._outbox.enqueue(
                tx, kind=MEMBER_NOTICE, guild_id=guild_id, user_id=user_id, payload={"case": case}
            )
        return Warned(case, notice)

    async def recent_same(
        self, guild_id: int, user_id: int, action: str, *, by: int, reason: str
    ) -> ModLogEntry | None:
        """The same action, by the same person, for the same reason, within REPEAT_SECONDS: the
        case a repeated command (its first answer lost in a crash) would double."""
        now = self.now()
        for entry in await self.modlog.history(guild_id, user_id, limit=5):
            if (
                entry.action == action
                and entry.actor_id == by
                and entry.reason == reason
                and now - entry.created_at <= REPEAT_SECONDS
            ):
                return entry
        return None

    async def notice_undelivered(self, guild_id: int, case: int, channel_id: int | None) -> None:
        """The member's DM was refused (DMs closed, or they left): the moderators hear of it in
        the mod-log channel, so a warning is never believed delivered when it was not."""
        if channel_id is None:
            log.warning("moderation: case %d could not be delivered and there is no mod log", case)
            return
        async with self.db.transaction() as tx:
            await self._outbox.enqueue(
                tx,
                kind=UNDELIVERED,
                guild_id=guild_id,
                channel_id=channel_id,
                payload={"case": case},
            )

    async def warnings_of(self, guild_id: int, user_id: int) -> list[MemberWarning]:
        return await self.repo.warnings_of(guild_id, user_id)

    async def history(self, guild_id: int, user_id: int) -> list[ModLogEntry]:
        return await self.modlog.history(guild_id, user_id)

    # ------------------------------------------------------------------ timeouts

    async def intend_timeout(
        self, guild_id: int, user_id: int, *, by: int, until: int, reason: str
    ) -> int:
        """Before Discord applies a timeout: its intent, so a crash between the two is
        completed (or dropped) by `reconcile_timeouts` at start. Returns the intent's id."""
        async with self.db.transaction() as tx:
            return await self.repo.insert_pending_timeout(
                tx,
                guild_id=guild_id,
                user_id=user_id,
                actor_id=by,
                until=until,
                reason=reason,
                now=self.now(),
            )

    async def drop_timeout(self, intent_id: int) -> bool:
        """Discord did not apply it: nothing of it stays."""
        async with self.db.transaction() as tx:
            return await self.repo.delete_pending_timeout(tx, intent_id)

    async def pending_timeouts(self, guild_id: int) -> list[PendingTimeout]:
        return await self.repo.pending_timeouts(guild_id)

    async def record_timeout(
        self,
        guild_id: int,
        user_id: int,
        *,
        by: int,
        until: int,
        reason: str,
        intent: int | None = None,
    ) -> int | None:
        """After Discord applied the timeout: the case, and a kind word to the member, in the
        transaction that removes its intent (so the member is told once, whoever completes
        it). None if that intent was completed already."""
        async with self.db.transaction() as tx:
            if intent is not None and not await self.repo.delete_pending_timeout(tx, intent):
                return None
            case = await self.modlog.record_in(
                tx,
                guild_id=guild_id,
                action=TIMEOUT,
                actor_id=by,
                target_id=user_id,
                reason=reason,
                details={"until": until},
            )
            await self._outbox.enqueue(
                tx, kind=MEMBER_NOTICE, guild_id=guild_id, user_id=user_id, payload={"case": case}
            )
        return case

    async def record_untimeout(
        self, guild_id: int, user_id: int, *, by: int, reason: str | None
    ) -> int:
        async with self.db.transaction() as tx:
            case = await self.modlog.record_in(
                tx,
                guild_id=guild_id,
                action=UNTIMEOUT,
                actor_id=by,
                target_id=user_id,
                reason=reason,
            )
            await self._outbox.enqueue(
                tx, kind=MEMBER_NOTICE, guild_id=guild_id, user_id=user_id, payload={"case": case}
            )
        return case

    # ------------------------------------------------------------------ reports

    async def open_report(
        self,
        guild_id: int,
        *,
        reporter_id: int,
        author_id: int,
        channel_id: int,
        message_id: int,
        snapshot: str,
        reason: str | None,
        alert_channel_id: int,
    ) -> Report:
        cleaned = clean_reason(reason, required=False, limit=REPORT_REASON_MAX)
        now = self.now()
        async with self.db.transaction() as tx:
            if await self.repo.open_report_by(tx, guild_id, message_id, reporter_id) is not None:
                raise UserError(
                    N_(
                        "You've already reported this message and the moderators have it. "
                        "Thank you for looking out for others."
                    )
                )
            # The report's own post shows its case number: the mod-log channel gets no copy.
            case = await self.modlog.record_in(
                tx,
                guild_id=guild_id,
                action=REPORT,
                actor_id=reporter_id,
                target_id=author_id,
                announce=False,
            )
            report_id = await self.repo.insert_report(
                tx,
                guild_id=guild_id,
                case_number=case,
                reporter_id=reporter_id,
                author_id=author_id,
                channel_id=channel_id,
                message_id=message_id,
                snapshot=snapshot,
                reason=cleaned,
                alert_channel_id=alert_channel_id,
                now=now,
            )
            outbox_id = await self._outbox.enqueue(
                tx,
                kind=REPORT_POST,
                guild_id=guild_id,
                channel_id=alert_channel_id,
                payload={"report": report_id},
            )
            await self.repo.set_report_outbox(tx, report_id, outbox_id)
            report = await self.repo.report_in(tx, report_id)
        assert report is not None
        log.info("report %d opened in guild %d (case %d)", report.id, guild_id, case)
        return report

    async def report(self, guild_id: int, report_id: int) -> Report:
        report = await self.repo.report(report_id)
        if report is None or report.guild_id != guild_id:
            raise NotFound(N_("I couldn't find that report."))
        return report

    async def find_report(self, report_id: int) -> Report | None:
        """A report in any server (for the outbox's renderer)."""
        return await self.repo.report(report_id)

    async def report_post(self, report: Report) -> tuple[int, int] | None:
        """Where the moderators' copy of `report` is in Discord (channel, message); None when
        it was never posted (or its post is not known yet: the outbox tells `report_posted`)."""
        channel_id, message_id = report.alert_channel_id, report.alert_message_id
        if channel_id is None or message_id is None:
            return None
        return channel_id, message_id

    async def report_posted(
        self, report_id: int, outbox_id: int, channel_id: int, message_id: int
    ) -> None:
        """The outbox delivered the moderators' copy (its on_sent hook): remember where, so
        its text can be taken out of it later. A copy that was since sent elsewhere (its
        channel refused it) is not the report's post."""
        report = await self.repo.report(report_id)
        if report is not None and report.alert_outbox_id == outbox_id:
            await self.repo.set_alert_message(report_id, channel_id, message_id)

    async def claim_report(self, guild_id: int, report_id: int, by: int) -> Report:
        async with self.db.transaction() as tx:
            report = await self.repo.report_in(tx, report_id)
            if report is None or report.guild_id != guild_id:
                raise NotFound(N_("I couldn't find that report."))
            if not report.is_open:
                raise UserError(N_("This report is already closed."))
            await self.repo.claim(tx, report_id, by)
            report = await self.repo.report_in(tx, report_id)
        assert report is not None
        return report

    async def close_report(self, guild_id: int, report_id: int, by: int, outcome: str) -> Report:
        """outcome: 'resolved' or 'dismissed'. The outcome goes to the mod log."""
        if outcome not in ("resolved", "dismissed"):
            raise ValueError(outcome)
        async with self.db.transaction() as tx:
            report = await self.repo.report_in(tx, report_id)
            if report is None or report.guild_id != guild_id:
                raise NotFound(N_("I couldn't find that report."))
            if not report.is_open:
                raise UserError(N_("This report is already closed."))
            await self.repo.close(tx, report_id, outcome, by, self.now())
            await self.modlog.record_in(
                tx,
                guild_id=guild_id,
                action=REPORT_RESOLVED if outcome == "resolved" else REPORT_DISMISSED,
                actor_id=by,
                target_id=report.author_id,
                details={"report": report.case_number},
            )
            report = await self.repo.report_in(tx, report_id)
        assert report is not None
        return report

    async def repost_report(self, report_id: int, channel_id: int) -> bool:
        """The moderators' channel refused the report: post it in `channel_id` instead (the
        mod-log channel). False when it was already sent there, so it never loops."""
        async with self.db.transaction() as tx:
            report = await self.repo.report_in(tx, report_id)
            if report is None or report.alert_channel_id == channel_id:
                return False
            outbox_id = await self._outbox.enqueue(
                tx,
                kind=REPORT_POST,
                guild_id=report.guild_id,
                channel_id=channel_id,
                payload={"report": report_id},
            )
            await self.repo.redirect_report(tx, report_id, channel_id, outbox_id)
        log.warning("report %d: its channel refused it; posting it in the mod log", report_id)
        return True

    async def post_shown(self, report_id: int) -> None:
        """The report's post now shows its claim or closing (`claim_report` and
        `close_report` mark it stale in their transaction)."""
        await self.repo.post_shown(report_id)

    async def stale_posts(self, guild_id: int) -> list[Report]:
        """Reports whose post a crash left showing an older state: edited at start."""
        return await self.repo.stale_posts(guild_id)

    async def learn_alert_message(self, report: Report, channel_id: int, message_id: int) -> None:
        if report.alert_message_id != message_id:
            await self.repo.set_alert_message(report.id, channel_id, message_id)

    async def purge_reports(
        self, retention_days: RetentionLookup, redact: Redactor | None = None
    ) -> list[Report]:
        """Delete the snapshot and reason of reports closed longer ago than the server's
        retention. `redact` is first given each report as it will be (without its text) to
        take the text out of the moderators' post in Discord; when it answers False (Discord
        is down for now) the report is left as it is and tried again at the next run, so the
        text is never gone from the database while it is still shown in Discord. Returns the
        purged reports."""
        now = self.now()
        purged: list[Report] = []
        days_by_guild: dict[int, int] = {}
        for report in await self.repo.closed_unpurged():
            if report.guild_id not in days_by_guild:
                days_by_guild[report.guild_id] = await retention_days(report.guild_id)
            assert report.closed_at is not None
            if report.closed_at + days_by_guild[report.guild_id] * DAY > now:
                continue
            if redact is not None:
                redacted = replace(report, snapshot=None, reason=None, purged_at=now)
                if not await redact(redacted):
                    continue
            async with self.db.transaction() as tx:
                await self.repo.purge(tx, report.id, now)
                fresh = await self.repo.report_in(tx, report.id)
            if fresh is not None:
                purged.append(fresh)
        if purged:
            log.info("moderation: purged the text of %d closed reports", len(purged))
            await self.db.forget()  # out of the write-ahead log too (bot/db.py LogEraser)
        return purged
