"""The attacker's tools: what someone holding the database files can read beyond SQL.

- Every page image left in the write-ahead log, committed transaction by committed transaction
  (stale frames of earlier log generations included: an attacker does not honour salts).
  Replaying them shows what each transaction changed, e.g. "this token and that counter".
- Where each row sits inside its page: SQLite fills a page from the end, so the position of a
  row can betray the order in which rows were written.
"""

from __future__ import annotations

import sqlite3
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WAL_HEADER, FRAME_HEADER = 32, 24


@dataclass(frozen=True)
class Snapshot:
    """The raw bytes of the database file and its companions, as copied at one moment."""

    db: bytes
    wal: bytes
    shm: bytes

    @classmethod
    def take(cls, path: Path) -> Snapshot:
        def read(p: Path) -> bytes:
            return p.read_bytes() if p.exists() else b""

        return cls(
            read(path),
            read(path.with_name(path.name + "-wal")),
            read(path.with_name(path.name + "-shm")),
        )

    @property
    def everything(self) -> bytes:
        return self.db + self.wal + self.shm


# ---------------------------------------------------------------------------- the log


def page_size(db: bytes) -> int:
    size = struct.unpack(">H", db[16:18])[0]
    return 65536 if size == 1 else size


def wal_commits(wal: bytes) -> list[list[tuple[int, bytes, int]]]:
    """Frames grouped by transaction: [(page number, page image, database size after)]."""
    if len(wal) < WAL_HEADER:
        return []
    size = struct.unpack(">I", wal[8:12])[0]
    commits: list[list[tuple[int, bytes, int]]] = []
    current: list[tuple[int, bytes, int]] = []
    offset = WAL_HEADER
    while offset + FRAME_HEADER + size <= len(wal):
        number, db_size = struct.unpack(">II", wal[offset : offset + 8])
        image = wal[offset + FRAME_HEADER : offset + FRAME_HEADER + size]
        offset += FRAME_HEADER + size
        if number == 0:
            continue
        current.append((number, image, db_size))
        if db_size:
            commits.append(current)
            current = []
    return commits


def states(snapshot: Snapshot) -> list[bytes]:
    """The database as it was before the log, then after each transaction in the log."""
    db = bytearray(snapshot.db)
    size = page_size(bytes(db)) if db else 4096
    out = [bytes(db)]
    for commit in wal_commits(snapshot.wal):
        for number, image, db_size in commit:
            start = (number - 1) * size
            if len(db) < start + size:
                db.extend(b"\0" * (start + size - len(db)))
            db[start : start + size] = image
            if db_size:
                del db[db_size * size :]
        out.append(bytes(db))
    return out


def query(db: bytes, sql: str) -> list[tuple[Any, ...]]:
    """Run SQL on a copy of these bytes (read-only, no log)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "copy.sqlite3"
        raw = bytearray(db)
        raw[18:20] = b"\x01\x01"  # legacy journal: read the file alone
        path.write_bytes(bytes(raw))
        conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        try:
            return list(conn.execute(sql).fetchall())
        finally:
            conn.close()


def link_votes(snapshot: Snapshot) -> list[tuple[bytes, int, int]]:
    """Replay the log: a transaction in which exactly one token was marked and exactly one
    counter went up by one pairs that token with that option: (token, poll id, position)."""
    found: list[tuple[bytes, int, int]] = []
    previous: tuple[dict[bytes, int], dict[tuple[int, int], int]] | None = None
    for db in states(snapshot):
        try:
            voters = dict(query(db, "SELECT token, voted FROM poll_voters"))
            rows = query(db, "SELECT poll_id, position, votes FROM poll_options")
        except sqlite3.Error:  # before the feature's tables existed
            continue
        counts = {(p, o): v for p, o, v in rows}
        if previous is not None:
            old_voters, old_counts = previous
            marked = [t for t, v in voters.items() if v and not old_voters.get(t)]
            moved = [k for k, v in counts.items() if v == old_counts.get(k, 0) + 1]
            if len(marked) == 1 and len(moved) == 1:
                found.append((marked[0], moved[0][0], moved[0][1]))
        previous = (voters, counts)
    return found


# ---------------------------------------------------------------------------- pages


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = 0
    for k in range(9):
        byte = data[i + k]
        if k == 8:
            return (value << 8) | byte, i + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, i + k + 1
    raise AssertionError("unreachable")


def _record(payload: bytes) -> list[Any]:
    """Decode as much of a record as the (possibly truncated) payload holds."""
    header_size, i = _varint(payload, 0)
    types = []
    while i < header_size:
        serial, i = _varint(payload, i)
        types.append(serial)
    values: list[Any] = []
    j = header_size
    for serial in types:
        if serial == 0:
            values.append(None)
            continue
        if serial in (8, 9):
            values.append(serial - 8)
            continue
        if 1 <= serial <= 6:
            width = (1, 2, 3, 4, 6, 8)[serial - 1]
            values.append(int.from_bytes(payload[j : j + width], "big", signed=True))
            j += width
            continue
        if serial == 7:
            values.append(struct.unpack(">d", payload[j : j + 8])[0])
            j += 8
            continue
        width = (serial - 12) // 2 if serial % 2 == 0 else (serial - 13) // 2
        raw = payload[j : j + width]
        values.append(bytes(raw) if serial % 2 == 0 else raw.decode("utf-8", "replace"))
        j += width
    return values


def _local_size(payload: int, usable: int) -> int:
    most = (usable - 12) * 64 // 255 - 23
    least = (usable - 12) * 32 // 255 - 23
    if payload <= most:
        return payload
    k = least + (payload - least) % (usable - 4)
    return k if k <= most else least


@dataclass(frozen=True)
class Cell:
    page: int
    offset: int  # where the row sits in its page
    values: tuple[Any, ...]


def cells(db: bytes, name: str) -> list[Cell]:
    """Every row of a WITHOUT ROWID table (or an index), in key order, with its position."""
    root = query(db, f"SELECT rootpage FROM sqlite_master WHERE name = '{name}'")[0][0]
    size = page_size(db)
    usable = size - db[20]
    out: list[Cell] = []

    def walk(number: int) -> Iterator[Cell]:
        base = (number - 1) * size
        header = base + (100 if number == 1 else 0)
        kind = db[header]
        count = struct.unpack(">H", db[header + 3 : header + 5])[0]
        interior = kind == 2
        if kind not in (2, 10):
            raise AssertionError(f"{name}: page {number} is not an index b-tree page ({kind})")
        pointers_at = header + (12 if interior else 8)
        for n in range(count):
            offset = struct.unpack(">H", db[pointers_at + 2 * n : pointers_at + 2 * n + 2])[0]
            at = base + offset
            if interior:
                child = struct.unpack(">I", db[at : at + 4])[0]
                yield from walk(child)
                at += 4
            length, start = _varint(db, at)
            local = db[start : start + _local_size(length, usable)]
            yield Cell(number, offset, tuple(_record(local)))
        if interior:
            yield from walk(struct.unpack(">I", db[header + 8 : header + 12])[0])

    out.extend(walk(root))
    return out


def layout(db: bytes, name: str) -> list[list[tuple[int, Any]]]:
    """Per page (in key order), each row's position and key (first column): page numbers left
    out, so two files built the same way compare equal."""
    pages: dict[int, list[tuple[int, Any]]] = {}
    order: list[int] = []
    for cell in cells(db, name):
        if cell.page not in pages:
            pages[cell.page] = []
            order.append(cell.page)
        pages[cell.page].append((cell.offset, cell.values[0]))
    return [pages[p] for p in order]


def id_encodings(user_id: int) -> list[bytes]:
    """How a Discord id may be written down: as text, or as SQLite's big-endian integer."""
    return [str(user_id).encode(), user_id.to_bytes(8, "big"), user_id.to_bytes(8, "little")]


# ---------------------------------------------------------------------------- two moments


def dump(db: bytes) -> dict[str, set[tuple[Any, ...]]]:
    """Every row of every table, as SQL reads these bytes."""
    names = [r[0] for r in query(db, "SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {name: set(query(db, f'SELECT * FROM "{name}"')) for name in names}


def page_owners(db: bytes) -> dict[int, str]:
    """Which table or index each page of these bytes belongs to (SQLite's dbstat)."""
    return {int(page): str(name) for name, page in query(db, "SELECT name, pageno FROM dbstat")}


@dataclass(frozen=True)
class Change:
    """One committed transaction found in the log between two snapshots."""

    pages: tuple[int, ...]  # the pages it wrote
    images: bytes  # their bytes, as the log holds them
    before: bytes  # the database before it
    after: bytes  # and after it


def changes_between(first: Snapshot, second: Snapshot) -> list[Change]:
    """The transactions the log gained from one snapshot to the next. The log must only have
    grown (a reader kept it from being emptied): the attacker then reads every transaction."""
    assert second.wal[: len(first.wal)] == first.wal, "the log was emptied in between"
    known = len(wal_commits(first.wal))
    commits = wal_commits(second.wal)
    all_states = states(second)
    return [
        Change(
            pages=tuple(number for number, _, _ in commit),
            images=b"".join(image for _, image, _ in commit),
            before=all_states[known + i],
            after=all_states[known + i + 1],
        )
        for i, commit in enumerate(commits[known:])
    ]


def changed_rows(change: Change) -> dict[str, tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]]:
    """Per table: the rows that went and the rows that came, in one transaction."""
    try:
        old = dump(change.before)
    except sqlite3.Error:  # before the tables existed
        old = {}
    new = dump(change.after)
    out = {}
    for name in set(old) | set(new):
        gone, came = (
            old.get(name, set()) - new.get(name, set()),
            new.get(name, set()) - old.get(name, set()),
        )
        if gone or came:
            out[name] = (gone, came)
    return out
