"""Distress escalation, the rules a server sets for itself: its own phrases (detected together
with the built-in lexicon) and when unclaimed alerts page the moderators, then the admins. Part
of `EscalationService`; never imports discord.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from bot.errors import NotFound, UserError
from bot.i18n import N_
from cogs.escalation.context import ContextKey
from cogs.escalation.detection import CATEGORIES, MAX_PHRASE_CHARS, SEVERITIES, Detection, PhraseSet
from cogs.escalation.models import EscalationSettings, ServerPhrase
from cogs.escalation.service_base import CaseBook

log = logging.getLogger(__name__)

MAX_SERVER_PHRASES = 200
MIN_PAGE_MINUTES, MAX_PAGE_MINUTES = 1, 60
MAX_ADMIN_PAGE_MINUTES = 240


class ServerPhrases(CaseBook):
    """Detection with the server's own phrases, and the server's paging settings."""

    # ------------------------------------------------------------------ detection

    async def detect(
        self, guild_ids: Iterable[int], text: str, previous: Sequence[str] = ()
    ) -> Detection | None:
        """The strongest signal in `text` with the lexicon and these servers' own phrases, read
        after `previous`, the member's earlier messages (oldest first): then only what `text`
        adds is reported, None when `text` itself has no signal.

        The one place where text is scanned, whatever it came from: a message, an edit, a
        forwarded message, a DM (`detect_message`, for the cog), the words typed into /support
        and anonymous feedback, which is always read alone."""
        extras: list[PhraseSet | None] = []
        for guild_id in guild_ids:
            try:
                extras.append(await self._phrases_of(guild_id))
            except Exception as error:  # the lexicon alone rather than nothing; read next time
                log.warning(
                    "escalation: guild %d's own phrases could not be read: %r", guild_id, error
                )
        # scanned once, however many phrase sets: one finding nothing decides as the lexicon
        return self.detector.detect(text, previous, extras)

    async def detect_message(
        self,
        key: ContextKey,
        guild_ids: Iterable[int],
        text: str,
        *,
        message_id: int | None,
        edited: bool = False,
    ) -> Detection | None:
        """A member's own words (a message, an edit, a forward, a DM, /support) read with their
        last few in the same server (`key`: the server, None for a DM, and the member), and kept
        in memory to read their next ones with. Taken before anything is awaited, so messages
        arriving together are read in order."""
        previous = self.recent.read(key, text, message_id=message_id, edited=edited)
        return await self.detect(guild_ids, text, previous)

    def forget_message(self, key: ContextKey, message_id: int) -> None:
        """Words the member wrote where moderators discuss cases: not read with their others."""
        self.recent.forget(key, message_id)

    async def _phrases_of(self, guild_id: int) -> PhraseSet | None:
        if guild_id not in self._server_phrases:
            rows = await self.repository.phrases(guild_id)
            self._server_phrases[guild_id] = (
                self.detector.compile(
                    self.detector.phrase(r.phrase, r.category, r.severity) for r in rows
                )
                if rows
                else None
            )
        return self._server_phrases[guild_id]

    # ------------------------------------------------------------------ server phrases

    def _key(self, text: str) -> str:
        text = " ".join(text.split())
        if not text or len(text) > MAX_PHRASE_CHARS:
            raise UserError(N_("Please give a phrase of 1 to {n} characters."), n=MAX_PHRASE_CHARS)
        key = self.detector.normaliser.key(text)
        if len(key.replace(" ", "")) < 3:
            raise UserError(
                N_(
                    "“{phrase}” is too short to look for: it would match ordinary messages. "
                    "Please use a few words."
                ),
                phrase=text,
            )
        return key

    async def add_phrase(
        self, guild_id: int, text: str, category: str, severity: str, by: int
    ) -> ServerPhrase:
        if category not in CATEGORIES:
            raise UserError(N_("Please pick a category from the list."))
        if severity not in SEVERITIES:
            raise UserError(N_("Please pick a severity from the list."))
        text = " ".join(text.split())
        key = self._key(text)
        if any(p.key == key for p in self.detector.builtin.phrases):
            raise UserError(N_("“{phrase}” is already in the bot's built-in list."), phrase=text)
        phrase = ServerPhrase(
            guild_id=guild_id,
            phrase=text,
            phrase_key=key,
            category=category,
            severity=SEVERITIES[severity],
            created_at=self._now(),
            created_by=by,
        )
        async with self.db.transaction() as tx:
            if await self.repository.count_phrases(tx, guild_id) >= MAX_SERVER_PHRASES:
                raise UserError(
                    N_(
                        "This server already has {n} phrases of its own, the most I keep. "
                        "Please remove one first."
                    ),
                    n=MAX_SERVER_PHRASES,
                )
            if not await self.repository.add_phrase(tx, phrase):
                raise UserError(N_("“{phrase}” is already on this server's list."), phrase=text)
        self._server_phrases.pop(guild_id, None)
        log.info("escalation: guild %d added a phrase", guild_id)
        return phrase

    async def remove_phrase(self, guild_id: int, text: str, by: int) -> None:
        key = self._key(text)
        async with self.db.transaction() as tx:
            removed = await self.repository.remove_phrase(tx, guild_id, key)
        if not removed:
            if any(p.key == key for p in self.detector.builtin.phrases):
                raise UserError(
                    N_(
                        "“{phrase}” is in the bot's built-in list, which a server can't change. "
                        "If it causes false alarms here, please tell the bot's maintainers."
                    ),
                    phrase=text,
                )
            raise NotFound(N_("“{phrase}” is not on this server's list."), phrase=text)
        self._server_phrases.pop(guild_id, None)
        log.info("escalation: guild %d removed a phrase", guild_id)

    async def phrases(self, guild_id: int) -> list[ServerPhrase]:
        return await self.repository.phrases(guild_id)

    # ------------------------------------------------------------------ paging settings

    async def paging(self, guild_id: int) -> EscalationSettings:
        return await self.repository.settings(guild_id)

    async def set_paging(
        self, guild_id: int, moderators_after: int, admins_after: int, by: int
    ) -> EscalationSettings:
        if not MIN_PAGE_MINUTES <= moderators_after <= MAX_PAGE_MINUTES:
            raise UserError(
                N_("Please page the moderators after {low} to {high} minutes."),
                low=MIN_PAGE_MINUTES,
                high=MAX_PAGE_MINUTES,
            )
        if not moderators_after < admins_after <= MAX_ADMIN_PAGE_MINUTES:
            raise UserError(
                N_(
                    "The admins are paged after the moderators: please choose more than {low} "
                    "and at most {high} minutes."
                ),
                low=moderators_after,
                high=MAX_ADMIN_PAGE_MINUTES,
            )
        settings = EscalationSettings(guild_id, moderators_after * 60, admins_after * 60)
        async with self.db.transaction() as tx:
            await self.repository.save_settings(tx, settings, by, self._now())
        return settings
