"""Per-server settings (one core table), their rules and their SQL. No discord import.

Admins set them with /setup; every feature reads them through `GuildSettingsService.get`.
"""

from __future__ import annotations

import difflib
import functools
import unicodedata
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import pycountry

from bot.clock import Clock, epoch
from bot.db import Database, Row, Transaction
from bot.directory import Remembered
from bot.errors import NotConfigured, UserError
from bot.events import MODERATOR_ROLE_CHANGED
from bot.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    N_,
    Translate,
    country_name,
    server_translator,
)
from bot.modlog import SETTING, ModLog
from bot.outbox import Outbox

DEFAULT_TIMEZONE = "UTC"
PrivateChannel = Literal["escalation", "mod_log"]
# Outbox kinds; the settings cog renders them.
TEST_ALERT = "settings:test_alert"
CHANNEL_CONFIRMED = "settings:channel_confirmed"
INTERNATIONAL = "INTL"  # region: no country chosen; crisis resources use the international list
# How long private words (escalation message text, notes) are kept after a matter is closed.
DEFAULT_RETENTION_DAYS = 90
MIN_RETENTION_DAYS = 7
MAX_RETENTION_DAYS = 3650
# How long a warning counts, and how long a closed crisis case keeps the member's id (issue 18).
DEFAULT_WARNING_EXPIRY_DAYS = 180
DEFAULT_CASE_RETENTION_DAYS = 365
MIN_WARNING_EXPIRY_DAYS = 7
MIN_CASE_RETENTION_DAYS = 30


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    moderator_role_id: int | None = None
    escalation_channel_id: int | None = None
    mod_log_channel_id: int | None = None
    region: str | None = None
    timezone: str | None = None
    language: str = DEFAULT_LANGUAGE
    retention_days: int = DEFAULT_RETENTION_DAYS
    warning_expiry_days: int = DEFAULT_WARNING_EXPIRY_DAYS
    case_retention_days: int = DEFAULT_CASE_RETENTION_DAYS
    updated_at: int | None = None
    updated_by: int | None = None

    @property
    def effective_timezone(self) -> str:
        return self.timezone or DEFAULT_TIMEZONE

    @property
    def effective_region(self) -> str:
        return self.region or INTERNATIONAL


@dataclass(frozen=True)
class Choice:
    name: str
    value: str


# ---------------------------------------------------------------------------- time zones


@lru_cache(maxsize=1)
def _zone_names() -> tuple[str, ...]:
    """IANA zones a person would pick: Area/City names and UTC; no fixed offsets (EST, Etc/GMT+5)
    and no legacy aliases (US/Eastern), which mislead people about daylight saving."""
    legacy = ("Etc/", "SystemV/", "US/", "Canada/", "Mexico/", "Brazil/", "Chile/")
    names = {
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(legacy) and name != "localtime"
    }
    names.add("UTC")
    return tuple(sorted(names))


def validate_timezone(name: str) -> str:
    name = name.strip()
    if name in _zone_names():
        return name
    by_lower = {zone.lower(): zone for zone in _zone_names()}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    close = difflib.get_close_matches(name, _zone_names(), n=3, cutoff=0.6)
    if close:
        raise UserError(
            N_(
                "“{name}” is not a time zone name I know. Did you mean {suggestions}? "
                "Pick one from the list as you type."
            ),
            name=name,
            suggestions=", ".join(close),
        )
    raise UserError(
        N_(
            "“{name}” is not a time zone name I know. Use a city-based name such as "
            "America/New_York or Europe/London, and pick it from the list as you type."
        ),
        name=name,
    )


def search_timezones(query: str, limit: int = 25) -> list[Choice]:
    query = query.strip().lower().replace(" ", "_")
    zones = _zone_names()
    if not query:
        matches = [z for z in _COMMON_ZONES if z in zones]
    else:
        starts = [z for z in zones if z.lower().split("/")[-1].startswith(query)]
        contains = [z for z in zones if query in z.lower() and z not in starts]
        matches = starts + contains
    return [Choice(name=z.replace("_", " "), value=z) for z in matches[:limit]]


_COMMON_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Mexico_City",
    "America/Bogota",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Madrid",
    "Europe/Paris",
    "Europe/Berlin",
    "Africa/Johannesburg",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Australia/Perth",
    "Pacific/Auckland",
    "UTC",
)

# ---------------------------------------------------------------------------- regions


@lru_cache(maxsize=4)
def _countries(language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """Country names in a language, from pycountry's own translations ('MX' -> 'México')."""
    return {c.alpha_2: country_name(c.alpha_2, language) for c in pycountry.countries}


def _folded(text: str) -> str:
    """For matching what someone typed: lower case, accents off ('México' -> 'mexico')."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def region_name(code: str) -> str:
    if code == INTERNATIONAL:
        return N_("International")
    return _countries().get(code, code)


def region_label(code: str, t: Translate) -> str:
    """A region as the reader names it: 'México' for a Spanish reader."""
    if code == INTERNATIONAL:
        return t("International")
    return t.country(code)


def validate_region(value: str) -> str:
    value = value.strip()
    if _folded(value) in ("intl", "international", "internacional"):
        return INTERNATIONAL
    if value.upper() in _countries():
        return value.upper()
    for language in LANGUAGES:
        by_name = {_folded(name): code for code, name in _countries(language).items()}
        if _folded(value) in by_name:
            return by_name[_folded(value)]
    raise UserError(
        N_(
            "“{value}” is not a country I know. Type the country's name or its two-letter code "
            "(for example US, GB, ES) and pick it from the list, or choose International."
        ),
        value=value,
    )


def search_regions(query: str, limit: int = 25, t: Translate | None = None) -> list[Choice]:
    """Countries for the autocomplete, named in the reader's language (matched in theirs and
    in English, accents optional)."""
    t = t or Translate(DEFAULT_LANGUAGE)
    query = _folded(query.strip())
    english = _countries()
    countries = sorted(_countries(t.language).items(), key=lambda item: _folded(item[1]))
    options = [(INTERNATIONAL, t("International")), *countries]
    if query:
        options = [
            (code, name)
            for code, name in options
            if query in _folded(name)
            or query in _folded(english.get(code, "International"))
            or code.lower() == query
        ]
        options.sort(key=lambda item: not _folded(item[1]).startswith(query))
    return [Choice(name=f"{name} ({code})"[:100], value=code) for code, name in options[:limit]]


def validate_language(code: str) -> str:
    code = code.strip().lower()
    if code not in LANGUAGES:
        raise UserError(
            N_("I can speak {languages} so far. Pick one of those."),
            languages=", ".join(LANGUAGES.values()),
        )
    return code


def validate_retention_days(days: int) -> int:
    if not MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS:
        raise UserError(
            N_(
                "Please choose between {low} and {high} days. A week is the shortest time that "
                "lets moderators finish following up; ten years is the longest the bot keeps "
                "members' private words."
            ),
            low=MIN_RETENTION_DAYS,
            high=MAX_RETENTION_DAYS,
        )
    return days


# ---------------------------------------------------------------------------- storage

_FIELDS = (
    "moderator_role_id",
    "escalation_channel_id",
    "mod_log_channel_id",
    "region",
    "timezone",
    "language",
    "retention_days",
    "warning_expiry_days",
    "case_retention_days",
)


def _settings(row: Row) -> GuildSettings:
    return GuildSettings(**{key: row[key] for key in row.keys()})


class GuildSettingsRepository:
    _SELECT = (
        "SELECT guild_id, moderator_role_id, escalation_channel_id, mod_log_channel_id, "
        "region, timezone, language, retention_days, warning_expiry_days, "
        "case_retention_days, updated_at, updated_by "
        "FROM guild_settings WHERE guild_id = :guild_id"
    )

    def __init__(self, db: Database) -> None:
        self.db = db
        # Every message in a crisis, and every alert, reads its server's settings: remembered
        # until this repository writes them again (`upsert`, the one writer of the table).
        self.remembered: Remembered[GuildSettings | None] = Remembered(db.changes, "guild_settings")

    async def get(self, guild_id: int) -> GuildSettings | None:
        return await self.remembered.get(guild_id, lambda: self._read(guild_id))

    async def _read(self, guild_id: int) -> GuildSettings | None:
        row = await self.db.fetchone(self._SELECT, {"guild_id": guild_id})
        return None if row is None else _settings(row)

    async def get_in(self, tx: Transaction, guild_id: int) -> GuildSettings | None:
        row = await tx.fetchone(self._SELECT, {"guild_id": guild_id})
        return None if row is None else _settings(row)

    async def upsert(
        self, tx: Transaction, guild_id: int, field: str, value: object, by: int, now: int
    ) -> None:
        if field not in _FIELDS:
            raise ValueError(f"unknown setting {field!r}")
        self.remembered.changed_in(tx, guild_id)
        await tx.execute(
            f"INSERT INTO guild_settings (guild_id, {field}, updated_at, updated_by) "
            f"VALUES (:guild_id, :value, :now, :by) "
            f"ON CONFLICT (guild_id) DO UPDATE SET {field} = excluded.{field}, "
            f"updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            {"guild_id": guild_id, "value": value, "now": now, "by": by},
        )

    async def count(self) -> int:
        return int(await self.db.fetchval("SELECT COUNT(*) FROM guild_settings") or 0)


class GuildSettingsService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        modlog: ModLog | None = None,
        dispatch: Callable[..., None] | None = None,
    ) -> None:
        self.db = db
        self.repository = GuildSettingsRepository(db)
        self._clock = clock
        self._outbox = outbox
        self._modlog = modlog
        # `bot.dispatch`: the bot events a change causes (bot/events.py), after it commits.
        self._dispatch = dispatch

    async def _log_change(
        self, tx: Transaction, guild_id: int, field: str, value: object, by: int
    ) -> None:
        """Every settings change goes to the mod log, in the transaction that makes it."""
        if self._modlog is None:
            return
        shown = value if isinstance(value, int) and not isinstance(value, bool) else str(value)
        await self._modlog.record_in(
            tx,
            guild_id=guild_id,
            action=SETTING,
            actor_id=by,
            details={"setting": field.removesuffix("_id"), "value": shown},
        )

    async def get(self, guild_id: int) -> GuildSettings:
        return await self.repository.get(guild_id) or GuildSettings(guild_id=guild_id)

    async def translator(self, guild_id: int | None) -> Translate:
        """For what many people read (channel posts, the moderators' messages): the server's
        language (None: no server, the default language)."""
        if guild_id is None:
            return server_translator(None)
        return server_translator((await self.get(guild_id)).language)

    async def _set(self, guild_id: int, field: str, value: object, by: int) -> GuildSettings:
        async with self.db.transaction() as tx:
            await self.repository.upsert(tx, guild_id, field, value, by, epoch(self._clock()))
            await self._log_change(tx, guild_id, field, value, by)
        return await self.get(guild_id)

    async def set_moderator_role(self, guild_id: int, role_id: int, by: int) -> GuildSettings:
        if role_id == guild_id:
            raise UserError(
                N_(
                    "@everyone cannot be the moderator role: everyone would see escalations. "
                    "Create a role for your moderators and choose that one."
                )
            )
        async with self.db.transaction() as tx:
            before = await self.repository.get_in(tx, guild_id)
            old_role_id = before.moderator_role_id if before else None
            await self.repository.upsert(
                tx, guild_id, "moderator_role_id", role_id, by, epoch(self._clock())
            )
            await self._log_change(tx, guild_id, "moderator_role_id", role_id, by)
            if self._dispatch is not None and old_role_id != role_id:
                tx.after_commit(
                    functools.partial(
                        self._dispatch, MODERATOR_ROLE_CHANGED, guild_id, old_role_id, role_id
                    )
                )
        return await self.get(guild_id)

    async def set_private_channel(
        self, guild_id: int, which: PrivateChannel, channel_id: int, by: int
    ) -> GuildSettings:
        """The escalation or mod-log channel. A note is posted there (through the outbox, in the
        same transaction) so the admin sees at once that the bot can post in it."""
        async with self.db.transaction() as tx:
            await self.repository.upsert(
                tx, guild_id, f"{which}_channel_id", channel_id, by, epoch(self._clock())
            )
            await self._log_change(tx, guild_id, f"{which}_channel_id", channel_id, by)
            await self._outbox.enqueue(
                tx,
                kind=CHANNEL_CONFIRMED,
                guild_id=guild_id,
                channel_id=channel_id,
                payload={"which": which, "by": by},
            )
        return await self.get(guild_id)

    async def queue_test_alert(self, guild_id: int, by: int) -> int:
        """A test message to the escalation channel; returns the channel id."""
        async with self.db.transaction() as tx:
            settings = await self.repository.get_in(tx, guild_id)
            channel_id = settings.escalation_channel_id if settings else None
            if channel_id is None:
                raise NotConfigured(
                    N_(
                        "There is no escalation channel yet. "
                        "Choose one with /setup escalation-channel."
                    )
                )
            await self._outbox.enqueue(
                tx, kind=TEST_ALERT, guild_id=guild_id, channel_id=channel_id, payload={"by": by}
            )
        return channel_id

    async def set_region(self, guild_id: int, region: str, by: int) -> GuildSettings:
        return await self._set(guild_id, "region", validate_region(region), by)

    async def set_timezone(self, guild_id: int, name: str, by: int) -> GuildSettings:
        return await self._set(guild_id, "timezone", validate_timezone(name), by)

    async def set_language(self, guild_id: int, code: str, by: int) -> GuildSettings:
        return await self._set(guild_id, "language", validate_language(code), by)

    async def set_retention_days(self, guild_id: int, days: int, by: int) -> GuildSettings:
        return await self._set(guild_id, "retention_days", validate_retention_days(days), by)

    async def set_warning_expiry_days(self, guild_id: int, days: int, by: int) -> GuildSettings:
        if not MIN_WARNING_EXPIRY_DAYS <= days <= MAX_RETENTION_DAYS:
            raise UserError(
                N_(
                    "Please choose between {low} and {high} days. Shorter than a week and a "
                    "warning would be over before anyone could follow it up."
                ),
                low=MIN_WARNING_EXPIRY_DAYS,
                high=MAX_RETENTION_DAYS,
            )
        return await self._set(guild_id, "warning_expiry_days", days, by)

    async def set_case_retention_days(self, guild_id: int, days: int, by: int) -> GuildSettings:
        if not MIN_CASE_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS:
            raise UserError(
                N_(
                    "Please choose between {low} and {high} days. Moderators need at least a "
                    "month to see whether a member in crisis needs them again."
                ),
                low=MIN_CASE_RETENTION_DAYS,
                high=MAX_RETENTION_DAYS,
            )
        return await self._set(guild_id, "case_retention_days", days, by)
