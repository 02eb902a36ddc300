"""One writer thread that owns the only write connection and group-commits queued jobs.

Requests hand the writer a function of the connection and get a `Future`. The writer takes
every job waiting in the queue, runs each inside its own SAVEPOINT (so a failing job undoes
only itself; a job that is one SQL statement needs none, SQLite undoes a failed statement),
commits once, and only then resolves the futures: an answer means "committed".
Under load many event batches share one commit, which is what makes ingest fast.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

Job = tuple[Callable[[sqlite3.Connection], Any], "Future[Any]", bool]

MAX_GROUP = 512


class WriterClosed(RuntimeError):
    """The store was closed; no more writes are accepted."""


class Writer:
    """The single writer of one SQLite database."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], name: str = "tailor-writer"):
        self._queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self._ready: Future[None] = Future()
        self.commits = 0
        self.jobs = 0
        self._thread = threading.Thread(target=self._run, args=(connect,), name=name, daemon=True)
        self._thread.start()
        self._ready.result()

    def submit(
        self, fn: Callable[[sqlite3.Connection], T], single_statement: bool = False
    ) -> Future[T]:
        """Queue `fn(conn)`; the future resolves after the transaction holding it commits.

        `single_statement`: `fn` runs at most one data-changing statement, so no savepoint is
        needed (each statement is atomic) - fewer GIL round trips on the ingest path.
        """
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise WriterClosed("the store is closed")
            self._queue.put((fn, future, single_statement))
        return future

    def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Submit and wait: the blocking form for CLI, training and threadpool callers."""
        return self.submit(fn).result()

    def close(self) -> None:
        """Finish queued jobs, then stop the thread and close the connection."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(None)
        self._thread.join()

    def _run(self, connect: Callable[[], sqlite3.Connection]) -> None:
        try:
            conn = connect()
        except BaseException as exc:  # noqa: BLE001 - reported to the opener
            self._ready.set_exception(exc)
            return
        self._ready.set_result(None)
        try:
            while True:
                first = self._queue.get()
                if first is None:
                    break
                group = [first]
                stop = False
                while len(group) < MAX_GROUP:
                    try:
                        job = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if job is None:
                        stop = True
                        break
                    group.append(job)
                self._commit_group(conn, group)
                if stop:
                    break
        finally:
            conn.close()

    def _commit_group(self, conn: sqlite3.Connection, group: list[Job]) -> None:
        done: list[tuple[Future[Any], Any]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
        except BaseException as exc:  # noqa: BLE001 - every waiter must hear about it
            for _, future, _single in group:
                if future.set_running_or_notify_cancel():
                    future.set_exception(exc)
            return
        for fn, future, single in group:
            if not future.set_running_or_notify_cancel():
                continue
            if not single:
                conn.execute("SAVEPOINT job")
            try:
                result = fn(conn)
            except BaseException as exc:  # noqa: BLE001 - the job's own failure
                if not single:
                    try:
                        conn.execute("ROLLBACK TO job")
                        conn.execute("RELEASE job")
                    except sqlite3.Error:
                        pass
                future.set_exception(exc)
                if not conn.in_transaction:
                    # SQLite rolled the whole transaction back (disk full, I/O error):
                    # the jobs before this one are lost too.
                    for lost, _ in done:
                        lost.set_exception(exc)
                    done = []
                    conn.execute("BEGIN IMMEDIATE")
                continue
            if not single:
                conn.execute("RELEASE job")
            done.append((future, result))
        try:
            if conn.in_transaction:
                conn.execute("COMMIT")
        except BaseException as exc:  # noqa: BLE001
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            for future, _ in done:
                future.set_exception(exc)
            return
        self.commits += 1
        self.jobs += len(group)
        for future, result in done:
            future.set_result(result)
