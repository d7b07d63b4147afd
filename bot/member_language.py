"""Whose language: the one lookup that says in which language to write to a member.

- What is sent to one person (an ephemeral reply, a form, a direct message) is in their
  language: the one they chose with /language, else their Discord locale (the interaction's own,
  or for a direct message sent later through the outbox, the locale seen on their last
  interaction in that server), else the server's language.
- What a channel reads is in the server's language (/setup language).

`Bot.dispatch` tells `saw()` about every interaction before any handler of it runs, so a direct
message queued by that interaction's handler is already rendered in the member's language. The
locale is written to the database only when it changed (in the background); `chosen` is written
by /language. Both are per server, like everything the bot keeps about a member (PRIVACY.md):
`/privacy delete` forgets them, `/privacy export` shows them. No discord import.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock, epoch
from bot.db import Database
from bot.guild_settings import GuildSettingsService
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translate, language_of, server_translator
from bot.outbox import OutboxMessage

log = logging.getLogger(__name__)

Spawn = Callable[..., Any]  # bot.spawn(coro, name=...)
CACHE_LIMIT = 20_000


@dataclass(frozen=True)
class MemberLanguage:
    locale: str | None  # the Discord locale last seen, e.g. "es-ES"
    chosen: str | None  # "en", "es", or None: follow Discord


NOTHING = MemberLanguage(None, None)


class MemberLanguageRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, guild_id: int, user_id: int) -> MemberLanguage:
        row = await self.db.fetchone(
            "SELECT locale, chosen FROM member_languages "
            "WHERE guild_id = :guild_id AND user_id = :user_id",
            {"guild_id": guild_id, "user_id": user_id},
        )
        return MemberLanguage(row["locale"], row["chosen"]) if row else NOTHING

    async def set_locale(self, guild_id: int, user_id: int, locale: str, now: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO member_languages (guild_id, user_id, locale, updated_at) "
                "VALUES (:guild_id, :user_id, :locale, :now) "
                "ON CONFLICT (guild_id, user_id) DO UPDATE SET locale = :locale, "
                "updated_at = :now WHERE member_languages.locale IS NOT :locale",
                {"guild_id": guild_id, "user_id": user_id, "locale": locale, "now": now},
            )

    async def set_chosen(
        self, guild_id: int, user_id: int, chosen: str | None, locale: str | None, now: int
    ) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO member_languages (guild_id, user_id, locale, chosen, updated_at) "
                "VALUES (:guild_id, :user_id, :locale, :chosen, :now) "
                "ON CONFLICT (guild_id, user_id) DO UPDATE SET chosen = :chosen, "
                "locale = COALESCE(:locale, member_languages.locale), updated_at = :now",
                {
                    "guild_id": guild_id,
                    "user_id": user_id,
                    "locale": locale,
                    "chosen": chosen,
                    "now": now,
                },
            )

    async def delete(self, guild_id: int, user_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "DELETE FROM member_languages WHERE guild_id = :guild_id AND user_id = :user_id",
                {"guild_id": guild_id, "user_id": user_id},
            )


class MemberLanguages:
    """`bot.languages`: in which language to write to whom."""

    def __init__(
        self, db: Database, clock: Clock, guild_settings: GuildSettingsService, spawn: Spawn
    ) -> None:
        self._repository = MemberLanguageRepository(db)
        self._clock = clock
        self._settings = guild_settings
        self._spawn = spawn
        # The rows as stored (read once, then kept: this process writes every change here).
        self._stored: dict[tuple[int, int], MemberLanguage] = {}
        # The locale of each member's last interaction in this process: newer than the row.
        self._seen: dict[tuple[int, int], str] = {}

    async def _get(self, guild_id: int, user_id: int) -> MemberLanguage:
        key = (guild_id, user_id)
        stored = self._stored.get(key)
        if stored is None:
            read = await self._repository.get(guild_id, user_id)
            if len(self._stored) >= CACHE_LIMIT:
                self._stored.clear()
            # A choice written while we read is newer than what we read: it stands.
            stored = self._stored.setdefault(key, read)
        seen = self._seen.get(key)
        return MemberLanguage(seen, stored.chosen) if seen else stored

    def saw(self, guild_id: int | None, user_id: int, locale: str | None) -> None:
        """An interaction of this member arrived with this Discord locale (synchronous: the
        next lookup sees it at once; the database follows in the background)."""
        if guild_id is None or not locale:
            return
        key = (guild_id, user_id)
        if self._seen.get(key) == locale:
            return
        if len(self._seen) >= CACHE_LIMIT:
            self._seen.clear()
        self._seen[key] = locale
        self._spawn(self._store_locale(guild_id, user_id, locale), name="language: locale")

    async def _store_locale(self, guild_id: int, user_id: int, locale: str) -> None:
        key = (guild_id, user_id)
        stored = self._stored.get(key) or await self._repository.get(guild_id, user_id)
        if stored.locale == locale:
            return
        await self._repository.set_locale(guild_id, user_id, locale, epoch(self._clock()))
        current = self._stored.get(key)  # as it is now: a choice made meanwhile stands
        if current is not None:
            self._stored[key] = MemberLanguage(locale, current.chosen)

    async def choose(
        self, guild_id: int, user_id: int, language: str | None, locale: str | None = None
    ) -> None:
        """/language: a language of LANGUAGES, or None to follow Discord's locale again."""
        if language is not None and language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}")
        known = await self._get(guild_id, user_id)
        await self._repository.set_chosen(guild_id, user_id, language, locale, epoch(self._clock()))
        self._stored[(guild_id, user_id)] = MemberLanguage(locale or known.locale, language)

    async def chosen(self, guild_id: int, user_id: int) -> str | None:
        return (await self._get(guild_id, user_id)).chosen

    async def language(
        self,
        guild_id: int | None,
        user_id: int,
        locale: str | None = None,
        *,
        server_language: str | None = None,
    ) -> str:
        """The member's language: chosen, else `locale` (the interaction's) or the last seen,
        else the server's (`server_language` when the caller has read it). Never raises: with
        the database unreadable it answers from memory, so a crisis send is never held back."""
        mine = language_of(locale)
        if guild_id is not None:
            try:
                known = await self._get(guild_id, user_id)
            except Exception:
                log.warning("could not read a member's language in guild %s", guild_id)
                known = MemberLanguage(self._seen.get((guild_id, user_id)), None)
            mine = known.chosen or mine or language_of(known.locale)
        if mine:
            return mine
        if server_language is not None or guild_id is None:
            return language_of(server_language) or DEFAULT_LANGUAGE
        try:
            return (await self._settings.translator(guild_id)).language
        except Exception:
            log.warning("could not read the language of guild %s", guild_id)
            return DEFAULT_LANGUAGE

    async def translator(
        self,
        guild_id: int | None,
        user_id: int,
        locale: str | None = None,
        *,
        server_language: str | None = None,
    ) -> Translate:
        """For what one member reads (a reply, a form, a direct message)."""
        return Translate(
            await self.language(guild_id, user_id, locale, server_language=server_language)
        )

    async def for_row(self, message: OutboxMessage) -> Translate:
        """For an outbox row: the member's language for a direct message, the server's for a
        channel."""
        if message.destination_type == "user":
            return await self.translator(message.guild_id, message.destination_id)
        if message.guild_id is None:
            return server_translator(None)
        return await self._settings.translator(message.guild_id)

    async def export(self, guild_id: int, user_id: int) -> dict[str, Any]:
        stored = await self._repository.get(guild_id, user_id)
        if stored == NOTHING:
            return {}
        return {
            "Your language": {
                "discord_locale_last_seen": stored.locale,
                "language_chosen_with_/language": stored.chosen,
            }
        }

    async def forget(self, guild_id: int, user_id: int) -> None:
        """`/privacy delete`: the row, and what this process remembers of it."""
        await self._repository.delete(guild_id, user_id)
        self._stored.pop((guild_id, user_id), None)
        self._seen.pop((guild_id, user_id), None)
