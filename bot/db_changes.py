"""Remembered answers across processes on PostgreSQL (bot/db.py `Changes`): the connection
each process listens on for the changes the others commit, and for the work they write for
this process's servers (channel `work`, bot/db_work.py).

A transaction that changes remembered rows sends `pg_notify('remembered', '<cache> <server>')`
(bot/db_postgres.py, just before COMMIT, so it is delivered only if the write commits); the
payload names the cache and the server's id (or `*`), never a member's data. `NOTIFY
remembered, '*'` (an administrator after editing by hand) makes every process forget everything.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import asyncpg

from bot.db import Changes
from bot.db_work import WORK_CHANNEL, Work

log = logging.getLogger(__name__)

# Remembered answers (bot/db.py `Changes`): the channel every process listens on; how often the
# listening connection is asked whether it is still there, and how long it may take to answer;
# how soon a lost one is opened again (doubling up to the longest wait).
CHANGES_CHANNEL = "remembered"
LISTEN_PING_SECONDS, LISTEN_PING_TIMEOUT = 5.0, 5.0
LISTEN_FIRST_RETRY, LISTEN_LONGEST_WAIT = 0.2, 10.0
CONNECT_TIMEOUT = 10


class ChangesListener:
    """Hears the other processes' changes to remembered answers (bot/db.py `Changes`) on a
    connection of its own (LISTEN; the pool's would drop it), and forgets those answers.

    A notification can be lost only with the connection. So when it is lost (closed,
    terminated, or not answering a ping within LISTEN_PING_TIMEOUT), every remembered answer is
    forgotten and nothing is kept (`Changes.listening` False) until it listens again: then
    everything is forgotten once more (what was read meanwhile may predate a change it could
    not hear) and answers are kept again. The process's own notifications (from its writing
    connection, `ignore_pid`) are skipped: its commits already forgot them."""

    def __init__(
        self, url: str, changes: Changes, *, ignore_pid: int | None = None, work: Work | None = None
    ) -> None:
        self.url = url
        self.changes = changes
        self.work = work
        self.ignore_pid = ignore_pid
        self.ping_seconds, self.ping_timeout = LISTEN_PING_SECONDS, LISTEN_PING_TIMEOUT
        self.first_retry, self.longest_wait = LISTEN_FIRST_RETRY, LISTEN_LONGEST_WAIT
        self.connections = 0  # listening connections opened (the tests read it)
        self._task: asyncio.Task[None] | None = None
        self._conn: asyncpg.Connection | None = None
        self._lost = asyncio.Event()
        self._first_try = asyncio.Event()

    @property
    def server_pid(self) -> int | None:
        """The listening connection's server process (None while it is not listening)."""
        conn = self._conn
        return None if conn is None or conn.is_closed() else conn.get_server_pid()

    async def start(self) -> None:
        """Listen in the background; returns once the first attempt succeeded or failed."""
        self.changes.listening = False
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name="database: hear remembered answers change"
        )
        await self._first_try.wait()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self.changes.listening = False
        self.changes.forget_all()

    async def _run(self) -> None:
        wait, failing = self.first_retry, False
        while True:
            try:
                conn = await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self._first_try.set()
                if not failing:
                    log.warning(
                        "cannot listen for other processes' changes (%s); reading the "
                        "database for every lookup until it can",
                        type(error).__name__,
                    )
                failing = True
                await asyncio.sleep(wait)
                wait = min(wait * 2, self.longest_wait)
                continue
            if failing:
                log.info("listening for other processes' changes again")
            wait, failing = self.first_retry, False
            self._first_try.set()
            try:
                await self._watch(conn)
            finally:
                self._deaf()
                conn.terminate()
            log.warning(
                "lost the connection that hears other processes' changes: everything "
                "remembered is forgotten; listening again"
            )
            failing = True
            await asyncio.sleep(wait)  # never a loop of connections opened and dropped

    async def _listen(self) -> asyncpg.Connection:
        self._lost.clear()
        conn = await asyncpg.connect(self.url, timeout=CONNECT_TIMEOUT)
        try:
            conn.add_termination_listener(self._terminated)
            await conn.add_listener(CHANGES_CHANNEL, self._heard)
            if self.work is not None:
                await conn.add_listener(WORK_CHANNEL, self._heard_work)
        except BaseException:
            conn.terminate()
            raise
        self._conn = conn
        self.connections += 1
        # Listening from here on: what was read before may predate a change nobody heard.
        self.changes.forget_all()
        self.changes.listening = True
        if self.work is not None:
            self.work.heard_all()  # and work written meanwhile was not heard of
        return conn

    async def _watch(self, conn: asyncpg.Connection) -> None:
        """Returns when the connection is lost."""
        while not conn.is_closed():
            try:
                await asyncio.wait_for(self._lost.wait(), self.ping_seconds)
                return
            except TimeoutError:
                pass
            try:
                await asyncio.wait_for(conn.execute("SELECT 1"), self.ping_timeout)
            except Exception:  # timed out, refused, the connection gone
                return

    def _deaf(self) -> None:
        self._conn = None
        self.changes.listening = False
        self.changes.forget_all()

    def _terminated(self, conn: Any) -> None:
        # asyncpg calls this soon after the connection ends, also when this listener ended it
        # itself: by then a new connection may be listening, which must not be given up for
        # the old one's end (it would open and drop connections without pause).
        if conn is self._conn:
            self._deaf()  # at once, before the watch wakes up
            self._lost.set()

    def _heard(self, conn: Any, pid: int, channel: str, payload: object) -> None:
        if pid == self.ignore_pid:
            return
        name, _, guild = str(payload).partition(" ")
        log.debug("another process changed %s (server %s)", name, guild)
        self.changes.forget(name)

    def _heard_work(self, conn: Any, pid: int, channel: str, payload: object) -> None:
        """Another process wrote work for a server (bot/db_work.py): the part of this process
        that does it is woken if the server is this process's."""
        if pid == self.ignore_pid or self.work is None:
            return
        self.work.heard(str(payload))
