"""Core registries that features fill when they load (see bot/feature.py) and empty when they
unload. Core owns them, so the order in which extensions load never drops an entry.

- `JoinGates` (`bot.join_gates`): steps a member passes before a group's role is granted. The
  groups feature asks them through `await bot.join_gates.admit(...)`.
- `DataDeletion` (`bot.data_deletion`): each feature's hook that deletes what it stores about
  one member of one server; `await bot.data_deletion.delete_user(guild_id, user_id)` runs all.
  A hook may return the `Kept` records it had to keep (and why): the member is told.
- `DataExport` (`bot.data_export`): each feature's hook that returns what it stores about one
  member of one server, as JSON-ready data; `await bot.data_export.export_user(...)` runs all.

This module holds no discord import: a gate receives the interaction as an opaque value.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.directory import JoinGate

log = logging.getLogger(__name__)


class JoinGates:
    """The join gates, in the order they were added; each gate is held once. Core owns them so
    the order in which features load cannot drop one: a feature declares its gates
    (`Feature.join_gates`), and the groups feature asks `admit` before it grants a role."""

    def __init__(self) -> None:
        self._gates: list[JoinGate] = []

    def add(self, gate: JoinGate) -> None:
        if any(existing is gate for existing in self._gates):
            return
        self._gates.append(gate)

    def remove(self, gate: JoinGate) -> None:
        self._gates = [existing for existing in self._gates if existing is not gate]

    def __iter__(self) -> Iterator[JoinGate]:
        return iter(list(self._gates))

    def __len__(self) -> int:
        return len(self._gates)

    async def admit(
        self, guild_id: int, group_id: int, user_id: int, interaction: Any | None
    ) -> bool:
        """Ask each gate in turn; False as soon as one asks the member something (it comes
        back later through `bot.groups.complete_join` or `cancel_join`)."""
        for gate in self:
            if not await gate.admit(guild_id, group_id, user_id, interaction):
                return False
        return True


def iso(moment: int | None) -> str | None:
    """An epoch time as ISO 8601 UTC, the way exports write times."""
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Kept:
    """Something a deletion hook kept, and why: `what` and `why` are texts marked with `N_`
    (translated where they are shown), formatted with `values`."""

    what: str
    why: str
    values: Mapping[str, str | int] = field(default_factory=dict)


# (guild_id, user_id) -> None, or the records it kept. Deletes what one feature stores about
# this member of this server.
DeletionHook = Callable[[int, int], Awaitable["list[Kept] | None"]]


@dataclass(frozen=True)
class DeletionReport:
    """What `DataDeletion.delete_user` did: the features whose hook ran, those that failed
    (their error is logged), and what the hooks kept and why."""

    done: tuple[str, ...]
    failed: tuple[str, ...]
    kept: tuple[Kept, ...] = ()


class DataDeletion:
    """Data-deletion hooks by feature name (one hook per feature).

    A hook deletes what its feature keeps about one member of one server (`/privacy delete`),
    at once and without waiting for a retention period: memberships, RSVPs, acceptances...
    What safety requires (an open crisis case, a warning that still counts, a recent mod-log
    entry) is kept, marked to lose the member when its time comes, and returned as `Kept`
    with the reason, which the member reads. A hook must be idempotent: it may run again for
    a member it already forgot."""

    def __init__(self) -> None:
        self._hooks: dict[str, DeletionHook] = {}

    def add(self, feature: str, hook: DeletionHook) -> None:
        self._hooks[feature] = hook

    def remove(self, feature: str) -> None:
        self._hooks.pop(feature, None)

    def features(self) -> list[str]:
        return list(self._hooks)

    async def delete_user(self, guild_id: int, user_id: int) -> DeletionReport:
        """Run every feature's hook; one that fails does not stop the others."""
        done: list[str] = []
        failed: list[str] = []
        kept: list[Kept] = []
        for feature, hook in list(self._hooks.items()):
            try:
                kept.extend(await hook(guild_id, user_id) or ())
            except Exception:
                log.exception(
                    "deleting a member's data in guild %d failed in %s", guild_id, feature
                )
                log.debug("that member was user %d", user_id)
                failed.append(feature)
            else:
                done.append(feature)
        return DeletionReport(tuple(done), tuple(failed), tuple(kept))


# (guild_id, user_id) -> what one feature stores about this member of this server, JSON-ready.
ExportHook = Callable[[int, int], Awaitable[Mapping[str, Any]]]


@dataclass(frozen=True)
class ExportReport:
    """What `DataExport.export_user` gathered: feature name -> its data (features that keep
    nothing about the member are left out), and the features whose hook failed."""

    data: dict[str, Mapping[str, Any]]
    failed: tuple[str, ...]


class DataExport:
    """Data-export hooks by feature name (one hook per feature): what a feature keeps about one
    member of one server, for `/privacy export`. A hook returns plain JSON-ready values (ids,
    numbers, strings, lists, dicts), never another member's private words."""

    def __init__(self) -> None:
        self._hooks: dict[str, ExportHook] = {}

    def add(self, feature: str, hook: ExportHook) -> None:
        self._hooks[feature] = hook

    def remove(self, feature: str) -> None:
        self._hooks.pop(feature, None)

    def features(self) -> list[str]:
        return list(self._hooks)

    async def export_user(self, guild_id: int, user_id: int) -> ExportReport:
        """Run every feature's hook; one that fails does not stop the others."""
        data: dict[str, Mapping[str, Any]] = {}
        failed: list[str] = []
        for feature, hook in list(self._hooks.items()):
            try:
                exported = await hook(guild_id, user_id)
            except Exception:
                log.exception(
                    "exporting a member's data in guild %d failed in %s", guild_id, feature
                )
                log.debug("the export that failed was of user %d", user_id)
                failed.append(feature)
            else:
                if exported:
                    data[feature] = exported
        return ExportReport(data, tuple(failed))
