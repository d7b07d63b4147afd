"""All SQL of the mentoring feature: settings, cancer types, profiles, matches, check-ins and
the tallies that name nobody. Rows come out as dataclasses."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from bot.db import Database, Row, Transaction
from cogs.mentoring.model import Match, Profile, Settings
from cogs.mentoring.pools import NAME as POOLS_NAME
from cogs.mentoring.pools import ProfilePools


@lru_cache(maxsize=4096)
def _set(text: str) -> frozenset[str]:
    """ "chemo,surgery" -> frozenset; the same few lists recur across thousands of profiles,
    so each is built once (frozensets are immutable: sharing them is safe)."""
    return frozenset(part for part in text.split(",") if part)


_FIELDS = (
    "id, guild_id, user_id, kind, status, role, cancer_type, stage, treatments, age_band, "
    "gender, languages, time_zone, musts, wishes, frequency, words, capacity, created_at"
)  # in Profile's order: `_profile` reads them by position (10,000 candidates at a time)


def _profile(row: Row) -> Profile:
    (id_, guild, user, kind, status, role, cancer, stage, treatments, age, gender, languages,
     zone, musts, wishes, frequency, words, capacity, created) = tuple(row)  # fmt: skip
    return Profile(
        id_, guild, user, kind, status, role, cancer, stage, _set(treatments), age, gender,
        _set(languages), zone, _set(musts), _set(wishes), frequency, words, capacity, created,
    )  # fmt: skip


def _match(row: Row) -> Match:
    return Match(
        id=row["id"],
        guild_id=row["guild_id"],
        kind=row["kind"],
        mentee_id=row["mentee_id"],
        mentor_id=row["mentor_id"],
        status=row["status"],
        mentee_ok=bool(row["mentee_ok"]),
        mentor_ok=bool(row["mentor_ok"]),
        confirmed_by=row["confirmed_by"],
        requested_at=row["requested_at"],
        confirmed_at=row["confirmed_at"],
        started_at=row["started_at"],
        thread_id=row["thread_id"],
        next_checkin_at=row["next_checkin_at"],
    )


_PROFILE_COLUMNS = (
    "guild_id, user_id, kind, status, role, cancer_type, stage, treatments, age_band, gender, "
    "languages, time_zone, musts, wishes, frequency, words, capacity, created_at"
)


class MentoringRepository:
    """`candidates` (every approved mentor of a server, read for each suggestion) is kept in
    memory and changed one profile at a time (pools.py): every write to mentoring_profiles goes
    through a method below that names the profile it changed (`_profiles_changed`)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.pools = ProfilePools(changes=db.changes)

    def _profiles_changed(
        self, tx: Transaction, guild_id: int, user_id: int, kind: str | None
    ) -> None:
        self.pools.changed(guild_id, user_id, kind)
        tx.after_commit(lambda: self.pools.changed(guild_id, user_id, kind))
        tx.announce_change(POOLS_NAME, guild_id)  # other processes read their pools afresh

    # ------------------------------------------------------------------ settings

    async def settings(self, guild_id: int) -> Settings:
        row = await self.db.fetchone(
            "SELECT * FROM mentoring_settings WHERE guild_id = :g", {"g": guild_id}
        )
        if row is None:
            return Settings()
        return Settings(
            row["coordinator_role_id"], row["thread_channel_id"], row["notice_channel_id"]
        )

    async def set_setting(
        self, tx: Transaction, guild_id: int, column: str, value: int | None, by: int, now: int
    ) -> None:
        assert column in ("coordinator_role_id", "thread_channel_id", "notice_channel_id")
        await tx.execute(
            f"INSERT INTO mentoring_settings (guild_id, {column}, updated_by, updated_at) "
            f"VALUES (:g, :v, :by, :now) ON CONFLICT (guild_id) DO UPDATE SET {column} = :v, "
            "updated_by = :by, updated_at = :now",
            {"g": guild_id, "v": value, "by": by, "now": now},
        )

    async def cancer_types(self, guild_id: int) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT name FROM mentoring_cancer_types WHERE guild_id = :g ORDER BY name",
            {"g": guild_id},
        )
        return [r["name"] for r in rows]

    async def add_cancer_type(self, tx: Transaction, guild_id: int, name: str) -> bool:
        return (
            await tx.execute(
                "INSERT INTO mentoring_cancer_types (guild_id, name) VALUES (:g, :n) "
                "ON CONFLICT DO NOTHING",
                {"g": guild_id, "n": name},
            )
            > 0
        )

    # ------------------------------------------------------------------ profiles

    async def save_profile(self, tx: Transaction, values: dict[str, Any]) -> int:
        """Insert or replace the member's profile of this kind (a new form replaces the old)."""
        self._profiles_changed(tx, values["guild_id"], values["user_id"], values["kind"])
        names = [c.strip() for c in _PROFILE_COLUMNS.split(",")]
        updates = ", ".join(
            f"{n} = :{n}" for n in names if n not in ("guild_id", "user_id", "kind")
        )
        row = await tx.fetchone(
            f"INSERT INTO mentoring_profiles ({_PROFILE_COLUMNS}) VALUES "
            f"({', '.join(':' + n for n in names)}) "
            f"ON CONFLICT (guild_id, user_id, kind) DO UPDATE SET {updates} RETURNING id",
            values,
        )
        assert row is not None
        return int(row["id"])

    async def profile(self, guild_id: int, user_id: int, kind: str) -> Profile | None:
        row = await self.db.fetchone(
            f"SELECT {_FIELDS} FROM mentoring_profiles WHERE guild_id = :g AND user_id = :u "
            "AND kind = :k",
            {"g": guild_id, "u": user_id, "k": kind},
        )
        return _profile(row) if row else None

    async def profile_in(self, tx: Transaction, profile_id: int) -> Profile | None:
        row = await tx.fetchone(
            f"SELECT {_FIELDS} FROM mentoring_profiles WHERE id = :id", {"id": profile_id}
        )
        return _profile(row) if row else None

    async def profile_for(
        self, tx: Transaction, guild_id: int, user_id: int, kind: str
    ) -> Profile | None:
        row = await tx.fetchone(
            f"SELECT {_FIELDS} FROM mentoring_profiles WHERE guild_id = :g AND user_id = :u "
            "AND kind = :k",
            {"g": guild_id, "u": user_id, "k": kind},
        )
        return _profile(row) if row else None

    async def set_profile_status(
        self, tx: Transaction, guild_id: int, user_id: int, kind: str, status: str
    ) -> None:
        self._profiles_changed(tx, guild_id, user_id, kind)
        await tx.execute(
            "UPDATE mentoring_profiles SET status = :s WHERE guild_id = :g AND user_id = :u "
            "AND kind = :k",
            {"g": guild_id, "u": user_id, "k": kind, "s": status},
        )

    async def profiles_of(self, guild_id: int, user_id: int) -> list[Profile]:
        rows = await self.db.fetchall(
            f"SELECT {_FIELDS} FROM mentoring_profiles WHERE guild_id = :g AND user_id = :u "
            "ORDER BY id",
            {"g": guild_id, "u": user_id},
        )
        return [_profile(r) for r in rows]

    async def candidates(self, guild_id: int, kind: str, status: str) -> list[Profile]:
        async def read() -> list[Profile]:
            rows = await self.db.fetchall(
                f"SELECT {_FIELDS} FROM mentoring_profiles WHERE guild_id = :g AND kind = :k "
                "AND status = :s",
                {"g": guild_id, "k": kind, "s": status},
            )
            return [_profile(r) for r in rows]

        async def read_some(guild: int, user_ids: list[int]) -> list[Profile]:
            marks = ", ".join(f":u{n}" for n in range(len(user_ids)))
            rows = await self.db.fetchall(
                f"SELECT {_FIELDS} FROM mentoring_profiles WHERE guild_id = :g "
                f"AND user_id IN ({marks})",
                {"g": guild, **{f"u{n}": u for n, u in enumerate(user_ids)}},
            )
            return [_profile(r) for r in rows]

        return await self.pools.get((guild_id, kind, status), read, read_some)

    async def approve(self, tx: Transaction, profile_id: int, capacity: int, by: int) -> bool:
        row = await tx.fetchone(
            "UPDATE mentoring_profiles SET status = 'approved', capacity = :c, "
            "approved_by = :by WHERE id = :id AND kind = 'mentor' "
            "RETURNING guild_id, user_id, kind",
            {"id": profile_id, "c": capacity, "by": by},
        )
        if row is None:
            return False
        self._profiles_changed(tx, row["guild_id"], row["user_id"], row["kind"])
        return True

    async def delete_profiles(self, tx: Transaction, guild_id: int, user_id: int) -> int:
        self._profiles_changed(tx, guild_id, user_id, None)
        return await tx.execute(
            "DELETE FROM mentoring_profiles WHERE guild_id = :g AND user_id = :u",
            {"g": guild_id, "u": user_id},
        )

    # ------------------------------------------------------------------ matches

    async def busy(self, guild_id: int) -> dict[int, int]:
        """Mentor user id -> matches they hold (proposed, opening or active)."""
        rows = await self.db.fetchall(
            "SELECT mentor_id, COUNT(*) AS n FROM mentoring_matches WHERE guild_id = :g "
            "GROUP BY mentor_id",
            {"g": guild_id},
        )
        return {r["mentor_id"]: r["n"] for r in rows}

    async def busy_in(self, tx: Transaction, guild_id: int, mentor_id: int) -> int:
        row = await tx.fetchone(
            "SELECT COUNT(*) AS n FROM mentoring_matches WHERE guild_id = :g AND mentor_id = :m",
            {"g": guild_id, "m": mentor_id},
        )
        return int(row["n"]) if row else 0

    async def insert_match(self, tx: Transaction, values: dict[str, Any]) -> int:
        return await tx.insert(
            "INSERT INTO mentoring_matches (guild_id, kind, mentee_id, mentor_id, status, "
            "confirmed_by, requested_at, confirmed_at) VALUES (:guild_id, :kind, :mentee_id, "
            ":mentor_id, 'proposed', :confirmed_by, :requested_at, :confirmed_at)",
            values,
        )

    async def match(self, match_id: int) -> Match | None:
        row = await self.db.fetchone(
            "SELECT * FROM mentoring_matches WHERE id = :id", {"id": match_id}
        )
        return _match(row) if row else None

    async def match_in(self, tx: Transaction, match_id: int) -> Match | None:
        row = await tx.fetchone("SELECT * FROM mentoring_matches WHERE id = :id", {"id": match_id})
        return _match(row) if row else None

    async def matches_of(
        self, guild_id: int, user_id: int, via: Transaction | None = None
    ) -> list[Match]:
        rows = await (via or self.db).fetchall(
            "SELECT * FROM mentoring_matches WHERE guild_id = :g AND (mentee_id = :u OR "
            "mentor_id = :u) ORDER BY id",
            {"g": guild_id, "u": user_id},
        )
        return [_match(r) for r in rows]

    async def matches_with(self, status: str) -> list[Match]:
        rows = await self.db.fetchall(
            "SELECT * FROM mentoring_matches WHERE status = :s ORDER BY id", {"s": status}
        )
        return [_match(r) for r in rows]

    async def open_pair(self, tx: Transaction, guild_id: int, a: int, b: int) -> bool:
        row = await tx.fetchone(
            "SELECT 1 FROM mentoring_matches WHERE guild_id = :g AND ((mentee_id = :a AND "
            "mentor_id = :b) OR (mentee_id = :b AND mentor_id = :a))",
            {"g": guild_id, "a": a, "b": b},
        )
        return row is not None

    async def answer(self, tx: Transaction, match_id: int, column: str) -> None:
        assert column in ("mentee_ok", "mentor_ok")
        await tx.execute(
            f"UPDATE mentoring_matches SET {column} = 1 WHERE id = :id", {"id": match_id}
        )

    async def set_status(self, tx: Transaction, match_id: int, status: str, **extra: Any) -> None:
        sets = ", ".join(f"{k} = :{k}" for k in extra)
        await tx.execute(
            f"UPDATE mentoring_matches SET status = :s{', ' + sets if sets else ''} WHERE id = :id",
            {"id": match_id, "s": status, **extra},
        )

    async def close_match(self, tx: Transaction, match_id: int) -> None:
        """An ended match whose thread is still to be archived: it names nobody any more (its
        people are 0) and keeps only its server and thread until the thread is closed."""
        await tx.execute("DELETE FROM mentoring_checkins WHERE match_id = :id", {"id": match_id})
        await tx.execute(
            "UPDATE mentoring_matches SET status = 'closing', mentee_id = 0, mentor_id = 0, "
            "confirmed_by = 0, next_checkin_at = NULL WHERE id = :id",
            {"id": match_id},
        )

    async def delete_match(self, tx: Transaction, match_id: int) -> None:
        await tx.execute("DELETE FROM mentoring_checkins WHERE match_id = :id", {"id": match_id})
        await tx.execute("DELETE FROM mentoring_matches WHERE id = :id", {"id": match_id})

    # ------------------------------------------------------------------ check-ins

    async def ask(self, tx: Transaction, match_id: int, user_id: int, now: int) -> int:
        return await tx.insert(
            "INSERT INTO mentoring_checkins (match_id, user_id, asked_at) VALUES (:m, :u, :now)",
            {"m": match_id, "u": user_id, "now": now},
        )

    async def rate(self, tx: Transaction, checkin_id: int, user_id: int, rating: int) -> bool:
        return (
            await tx.execute(
                "UPDATE mentoring_checkins SET rating = :r WHERE id = :id AND user_id = :u "
                "AND rating IS NULL",
                {"id": checkin_id, "u": user_id, "r": rating},
            )
            > 0
        )

    async def checkin_match(self, checkin_id: int) -> int | None:
        row = await self.db.fetchone(
            "SELECT match_id FROM mentoring_checkins WHERE id = :id", {"id": checkin_id}
        )
        return int(row["match_id"]) if row else None

    async def checkins_of(self, guild_id: int, user_id: int) -> list[Row]:
        return await self.db.fetchall(
            "SELECT c.match_id, c.asked_at, c.rating FROM mentoring_checkins c JOIN "
            "mentoring_matches m ON m.id = c.match_id WHERE m.guild_id = :g AND c.user_id = :u",
            {"g": guild_id, "u": user_id},
        )

    # ------------------------------------------------------------------ tallies

    async def tally(
        self, tx: Transaction, guild_id: int, name: str, by: int = 1, *, at: int
    ) -> None:
        """Add to a number (and note when, for the programme report's periods)."""
        params = {"g": guild_id, "n": name, "v": by, "at": at}
        await tx.execute(
            "INSERT INTO mentoring_tallies (guild_id, name, value) VALUES (:g, :n, :v) "
            "ON CONFLICT (guild_id, name) DO UPDATE SET value = value + :v",
            params,
        )
        await tx.execute(
            "INSERT INTO mentoring_tally_log (guild_id, name, value, at) VALUES (:g, :n, :v, :at)",
            params,
        )

    async def tallies(self, guild_id: int) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT name, value FROM mentoring_tallies WHERE guild_id = :g", {"g": guild_id}
        )
        return {r["name"]: r["value"] for r in rows}

    async def active_count(self, guild_id: int) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM mentoring_matches WHERE guild_id = :g AND status = 'active'",
            {"g": guild_id},
        )
        return int(row["n"]) if row else 0

    async def set_words(
        self, tx: Transaction, guild_id: int, user_id: int, kind: str, words: str
    ) -> bool:
        self._profiles_changed(tx, guild_id, user_id, kind)
        return (
            await tx.execute(
                "UPDATE mentoring_profiles SET words = :w WHERE guild_id = :g AND user_id = :u "
                "AND kind = :k",
                {"g": guild_id, "u": user_id, "k": kind, "w": words},
            )
            > 0
        )
