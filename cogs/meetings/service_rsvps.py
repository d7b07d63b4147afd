"""RSVPs: a member's answer to a session, the counts on its buttons, and forgetting answers
(a member who leaves, sessions long over). Never imports discord."""

from __future__ import annotations

import logging

from bot.clock import epoch
from bot.errors import NotFound, UserError
from bot.i18n import N_
from cogs.meetings.models import ANSWERS, CANCELLED, ENDED, GOING, Session
from cogs.meetings.rules import Counts
from cogs.meetings.service_sessions import Sessions

log = logging.getLogger(__name__)


KEEP_RSVPS_SECONDS = 7 * 24 * 3600  # who was going is forgotten a week after the session
KEEP_SESSIONS_SECONDS = 90 * 24 * 3600


class Rsvps(Sessions):
    async def rsvp(self, occurrence_id: int, user_id: int, answer: str) -> Session:
        if answer not in ANSWERS:
            raise UserError(N_("Please use one of the buttons."))
        session = await self.repo.session(occurrence_id)
        if session is None:
            raise NotFound(N_("That session no longer exists."))
        if session.status == CANCELLED:
            raise UserError(N_("That session was cancelled, so there's nothing to answer."))
        if session.status == ENDED:
            raise UserError(N_("That session is over. Thank you all the same!"))
        if not await self.groups.is_member(session.guild_id, session.group_id, user_id):
            raise UserError(
                N_("Only members of this group can answer. You can join it with /group join.")
            )
        async with self.db.transaction() as tx:
            await self.repo.set_rsvp(tx, occurrence_id, user_id, answer, epoch(self.now()))
        return session

    async def counts(self, occurrence_id: int) -> Counts:
        answers = list((await self.repo.rsvps(occurrence_id)).values())
        return Counts(answers.count(GOING), answers.count("maybe"), answers.count("no"))

    async def drop_member(self, guild_id: int, group_id: int, user_id: int) -> None:
        removed = await self.repo.delete_rsvps_of_member(guild_id, group_id, user_id)
        if removed:
            log.debug("dropped %d RSVPs of a member who left group %d", removed, group_id)

    async def regulars(
        self, guild_id: int, group_id: int, since: int, limit: int
    ) -> list[tuple[int, int]]:
        """`bot.participation`'s answer: the group's most regular members by RSVPs."""
        return await self.repo.regulars(guild_id, group_id, since, limit)

    async def forget_member(self, guild_id: int, user_id: int) -> None:
        """The member left the server: their answers on its sessions go (the data-deletion
        hook; idempotent)."""
        removed = await self.repo.delete_rsvps_in_guild(guild_id, user_id)
        if removed:
            log.debug("forgot %d RSVPs of a member who left guild %d", removed, guild_id)

    async def purge(self) -> None:
        now = epoch(self.now())
        await self.repo.delete_old_rsvps(now - KEEP_RSVPS_SECONDS)
        await self.repo.delete_old_sessions(now - KEEP_SESSIONS_SECONDS)
