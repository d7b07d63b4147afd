"""Whose language: the one lookup that says in which language to write to a member.

- What is sent to one person (an ephemeral reply, a form, a direct message) is in their
  language: the one they chose with /language, else their Discord locale (the interaction's own,
  or for a direct message rendered later by the outbox, the locale seen on their last
  interaction), else the server's language.
- What a channel reads is in the server's language (/setup language).

`Bot.dispatch` tells `saw()` the locale of every interaction before any handler of it runs (in
memory). It is written down only with a direct message queued to that member, in the same
transaction (`Outbox.on_user_row`), so a DM rendered after a restart still finds it; nothing is
written about a member who only used the bot (an anonymous poll's voters must be named nowhere,
tests/feedback/test_anonymity.py), and no interaction costs a write. `chosen` is written by
/language. Both are per server, like everything the bot keeps about a member (PRIVACY.md):
`/privacy delete` forgets them, `/privacy export` shows them. No discord import.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.db import Database, Transaction
from bot.guild_settings import GuildSettingsService
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translate, language_of, server_translator
from bot.outbox import OutboxMessage

log = logging.getLogger(__name__)

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

    async def of_server(self, guild_id: int) -> dict[int, MemberLanguage]:
        rows = await self.db.fetchall(
            "SELECT user_id, locale, chosen FROM member_languages WHERE guild_id = :guild_id",
            {"guild_id": guild_id},
        )
        return {row["user_id"]: MemberLanguage(row["locale"], row["chosen"]) for row in rows}

    async def set_locale_in(
        self, tx: Transaction, guild_id: int, user_id: int, locale: str
    ) -> None:
        await tx.execute(
            "INSERT INTO member_languages (guild_id, user_id, locale) "
            "VALUES (:guild_id, :user_id, :locale) "
            "ON CONFLICT (guild_id, user_id) DO UPDATE SET locale = :locale "
            "WHERE member_languages.locale IS NOT :locale",
            {"guild_id": guild_id, "user_id": user_id, "locale": locale},
        )

    async def set_chosen(
        self, guild_id: int, user_id: int, chosen: str | None, locale: str | None
    ) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO member_languages (guild_id, user_id, locale, chosen) "
                "VALUES (:guild_id, :user_id, :locale, :chosen) "
                "ON CONFLICT (guild_id, user_id) DO UPDATE SET chosen = :chosen, "
                "locale = COALESCE(:locale, member_languages.locale)",
                {"guild_id": guild_id, "user_id": user_id, "locale": locale, "chosen": chosen},
            )

    async def delete(self, guild_id: int, user_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "DELETE FROM member_languages WHERE guild_id = :guild_id AND user_id = :user_id",
                {"guild_id": guild_id, "user_id": user_id},
            )


class MemberLanguages:
    """`bot.languages`: in which language to write to whom."""

    def __init__(self, db: Database, guild_settings: GuildSettingsService) -> None:
        self._repository = MemberLanguageRepository(db)
        self._settings = guild_settings
        # Each server's rows, read at once the first time (few: members who were sent a DM or
        # chose a language), then kept: every change goes through here. So a member's first
        # answer costs no read of its own (hundreds may press a button at the same moment).
        self._servers: dict[int, dict[int, MemberLanguage]] = {}
        self._changes = 0  # a read that overlapped a write is not kept
        # The locale of each member's last interaction in this process: newer than the row.
        self._seen: dict[tuple[int, int], str] = {}

    async def _rows(self, guild_id: int) -> dict[int, MemberLanguage]:
        rows = self._servers.get(guild_id)
        if rows is None:
            changes = self._changes
            rows = await self._repository.of_server(guild_id)
            if changes == self._changes:
                if len(self._servers) >= CACHE_LIMIT:
                    self._servers.clear()
                rows = self._servers.setdefault(guild_id, rows)
        return rows

    def _changed(self, guild_id: int, user_id: int, value: MemberLanguage | None) -> None:
        """A row was written (None: deleted): what is kept follows it."""
        self._changes += 1
        rows = self._servers.get(guild_id)
        if rows is None:
            return
        if value is None:
            rows.pop(user_id, None)
        else:
            rows[user_id] = value

    async def _get(self, guild_id: int, user_id: int) -> MemberLanguage:
        stored = (await self._rows(guild_id)).get(user_id, NOTHING)
        seen = self._seen.get((guild_id, user_id))
        return MemberLanguage(seen, stored.chosen) if seen else stored

    def saw(self, guild_id: int | None, user_id: int, locale: str | None) -> None:
        """An interaction of this member arrived with this Discord locale (synchronous, in
        memory: the next lookup sees it at once)."""
        if guild_id is None or not locale:
            return
        if len(self._seen) >= CACHE_LIMIT:
            self._seen.clear()
        self._seen[(guild_id, user_id)] = locale

    async def record_in(self, tx: Transaction, guild_id: int | None, user_id: int) -> None:
        """A direct message to this member is being queued in `tx`: the locale seen on their
        last interaction goes with it, so it is rendered in their language even after a
        restart. Never fails the transaction of the message (a crisis send's, maybe)."""
        if guild_id is None:
            return
        locale = self._seen.get((guild_id, user_id))
        if locale is None:
            return
        try:
            await self._repository.set_locale_in(tx, guild_id, user_id, locale)
        except Exception:
            log.warning("could not record a member's language in guild %s", guild_id)
            return
        tx.after_commit(lambda: self._recorded(guild_id, user_id, locale))

    def _recorded(self, guild_id: int, user_id: int, locale: str) -> None:
        rows = self._servers.get(guild_id, {})
        self._changed(guild_id, user_id, MemberLanguage(locale, rows.get(user_id, NOTHING).chosen))

    async def choose(
        self, guild_id: int, user_id: int, language: str | None, locale: str | None = None
    ) -> None:
        """/language: a language of LANGUAGES, or None to follow Discord's locale again."""
        if language is not None and language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}")
        known = await self._get(guild_id, user_id)
        self._changes += 1  # a read of the server's rows under way is not kept
        await self._repository.set_chosen(guild_id, user_id, language, locale)
        self._changed(guild_id, user_id, MemberLanguage(locale or known.locale, language))

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
        self._changes += 1
        await self._repository.delete(guild_id, user_id)
        self._changed(guild_id, user_id, None)
        self._seen.pop((guild_id, user_id), None)
