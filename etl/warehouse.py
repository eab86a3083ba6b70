"""Writing the warehouse: one batch at a time, published atomically.

DuckDB lets a file have one writing process or many reading ones, and the app keeps reading while a
load runs. So a load never writes the live file: it copies it beside itself, applies the whole
batch to the copy (in one transaction), checkpoints and closes it, and renames it over the live
file. Readers holding the old file keep a consistent snapshot; new connections see the new one.
A crash or kill at any point leaves the live file untouched, and the next load removes the
leftover copy. A file lock keeps two loads from working on copies of the same version.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
from filelock import FileLock


@dataclass
class PendingVersion:
    live: Path
    path: Path  # the working copy the batch is written to
    published: bool = False

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A connection to the working copy, its memory limited to half of RAM.

        DuckDB's default limit, 80% of RAM, assumes it is alone; here it is not. A load's Arrow tables stay
        in the process, outside that limit, until COMMIT (DuckDB holds each registered sheet until the
        transaction ends: about 3 GB for a city's 10,000,000 tasks), and the app's readers share the
        machine. Unlimited, the models step used 4.3 GB at 1,000,000 tasks and 8.1 GB at 3,000,000, so at
        10,000,000 the process would reach all of RAM; with half of it DuckDB spills to the temporary
        folder beside the working copy instead (10,000,000 tasks: 15.3 GB at the peak).
        """
        ram_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
        return duckdb.connect(str(self.path), config={"memory_limit": f"{ram_mb // 2}MB"})

    def publish(self) -> None:
        """Make the working copy the live warehouse (the caller has closed its connection)."""
        with open(self.path, "rb") as f:
            os.fsync(f.fileno())
        os.replace(self.path, self.live)
        dir_fd = os.open(self.live.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        self.published = True


def lock_for(db: Path) -> FileLock:
    return FileLock(str(db) + ".lock")


@contextmanager
def new_version(db: Path) -> Iterator[PendingVersion]:
    """A working copy of the warehouse ``db``; published only if the caller calls ``publish()``."""
    db = db.resolve()
    db.parent.mkdir(parents=True, exist_ok=True)
    with lock_for(db):
        # A killed load's working copy, its WAL, and DuckDB's spill folder (``<copy>.tmp``, used when a
        # load outgrows the connection's memory limit): a folder too, or every later load would fail.
        for stale in db.parent.glob(db.name + ".tmp-*"):
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)
        work = db.with_name(f"{db.name}.tmp-{os.getpid()}")
        if db.exists():
            shutil.copyfile(db, work)
            wal = db.with_name(db.name + ".wal")
            if wal.exists():  # left by a client that wrote the live file directly and crashed
                shutil.copyfile(wal, work.with_name(work.name + ".wal"))
        pending = PendingVersion(db, work)
        try:
            yield pending
        finally:
            if not pending.published:
                work.unlink(missing_ok=True)
            work.with_name(work.name + ".wal").unlink(missing_ok=True)
