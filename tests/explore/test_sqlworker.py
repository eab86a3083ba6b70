"""The worker's hard limits on the demo warehouse: time (the process is killed and reaped), result size
(the app's memory stays flat), memory, the concurrency caps; and the pages keep answering meanwhile,
on the one connection configuration of the app process."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import signal
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from streetdash import explore, metrics, queries, sqlworker
from streetdash.config import PROJ_ROOT
from streetdash.db import connect_readonly
from streetdash.sqlguard import QueryError

# Scalar work DuckDB cannot interrupt: all 100 rows are one vector, so one call of levenshtein does
# them all (about a second each) before the engine looks at an interrupt again.
BURN = "SELECT sum(levenshtein(repeat('a', 20000) || range::VARCHAR, repeat('b', 20000))) AS n FROM range(100)"
WORKER_MARK = "from streetdash.sqlworker import main"


@pytest.fixture(scope="module")
def db(demo):
    return demo[0]


@pytest.fixture
def limits():
    return sqlworker.Limits.from_settings()


def children() -> dict[int, str]:
    """This process's child processes (zombies included) by pid, with their command lines."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        # pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ")".
        state, ppid = stat.rpartition(")")[2].split()[:2]
        if int(ppid) == os.getpid():
            out[int(entry.name)] = f"{state} {command}"
    return out


def workers() -> dict[int, str]:
    return {pid: c for pid, c in children().items() if WORKER_MARK in c}


def rss_mb() -> float:
    text = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", text).group(1)) / 1024


class PeakRss:
    """The largest VmRSS of this process while the block runs, sampled every 5 ms."""

    def __enter__(self):
        self.before = rss_mb()
        self.peak = self.before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.after = rss_mb()
        self.growth = max(self.peak, self.after) - self.before


def test_a_plain_query_runs_in_a_child_that_is_gone_afterwards(db):
    result = sqlworker.run("SELECT 42 AS answer, DATE '2024-05-01' AS day, 1.5::DECIMAL(4, 1) AS x", db)
    assert result.frame.to_dict("records") == [{"answer": 42, "day": dt.date(2024, 5, 1), "x": 1.5}]
    assert not result.truncated and result.notice is None
    assert workers() == {}


def test_a_statement_longer_than_a_pipe_holds_gets_through(db):
    sql = "SELECT 1 AS n /* " + "x" * 500_000 + " */"
    assert sqlworker.run(sql, db).frame["n"].tolist() == [1]


def test_a_cpu_bound_query_is_killed_at_the_time_limit_and_reaped(db, limits):
    seen: dict[int, str] = {}
    done = threading.Event()

    def watch():
        while not done.is_set():
            seen.update(workers())
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.monotonic()
    try:
        with pytest.raises(QueryError) as caught:
            sqlworker.run(BURN, db, limits=dataclasses.replace(limits, timeout=2))
    finally:
        elapsed = time.monotonic() - started
        done.set()
        watcher.join()
    assert caught.value.kind == "timeout"
    assert "2 秒" in caught.value.message and "已中止" in caught.value.message
    assert 1.9 < elapsed < 3.5, elapsed  # the limit, plus the kill and the wait
    assert len(seen) == 1, seen  # it ran in a worker process …
    (pid,) = seen
    assert pid not in children()  # … which was killed and reaped: no zombie, no leftover
    assert not Path(f"/proc/{pid}").exists()
    assert sqlworker.RUNNING.count() == 0
    # The warehouse answers the next question at once.
    assert sqlworker.run("SELECT count(*) AS n FROM tasks", db).frame["n"][0] > 0


def test_one_huge_value_is_stopped_by_the_byte_limit_without_the_app_growing(db, limits):
    with PeakRss() as rss, pytest.raises(QueryError) as caught:
        sqlworker.run("SELECT repeat('x', 100000000) AS s", db, limits=dataclasses.replace(limits, result_mb=20))
    assert caught.value.kind == "result_too_large"
    assert "20 MB" in caught.value.message and "一行也放不下" in caught.value.message
    assert rss.growth < 200, rss.growth  # a 100 MB value never reaches the app
    assert workers() == {}


def test_many_rows_are_cut_at_the_byte_limit_without_the_app_growing(db, limits):
    sql = "SELECT range AS i, repeat('x', 1000) AS s FROM range(10000000)"  # 10 GB if it were all made
    started = time.monotonic()
    with PeakRss() as rss:
        result = sqlworker.run(sql, db, limits=dataclasses.replace(limits, result_mb=20))
    assert time.monotonic() - started < 8
    assert result.truncated and result.cut == "bytes"
    assert 15_000 < len(result.frame) < 21_000  # about 20 MB of 1 KB rows
    assert result.frame["i"].tolist() == list(range(len(result.frame)))
    assert "20 MB" in result.notice and f"前 {len(result.frame):,} 行" in result.notice
    assert rss.growth < 200, rss.growth
    del result


def test_the_row_limit_still_applies_first(db, limits):
    result = sqlworker.run("SELECT * FROM range(5000)", db, limits=dataclasses.replace(limits, row_limit=4096))
    assert result.cut == "rows" and len(result.frame) == 4096 and "4,096 行" in result.notice
    result = sqlworker.run("SELECT * FROM range(4096)", db, limits=dataclasses.replace(limits, row_limit=4096))
    assert not result.truncated and len(result.frame) == 4096


def test_a_memory_hungry_query_stops_at_the_memory_limit(db, limits):
    sql = "SELECT count(DISTINCT a.range || '-' || b.range) FROM range(20000) a, range(20000) b"
    started = time.monotonic()
    with pytest.raises(QueryError) as caught:
        sqlworker.run(sql, db, limits=dataclasses.replace(limits, memory_mb=100, timeout=30))
    assert caught.value.kind == "memory"
    assert "内存超过上限（100 MB）" in caught.value.message
    assert "Out of Memory" in caught.value.detail
    assert time.monotonic() - started < 15  # fails fast: nothing is spilled to disk
    assert workers() == {}


def test_the_process_address_space_is_capped_too(db, limits):
    # DuckDB's own limit set far above the process's: the address space limit is what stops it.
    sql = "SELECT length(string_agg(repeat('x', 1000000), '')) FROM range(3000)"
    with pytest.raises(QueryError) as caught:
        sqlworker.run(sql, db, limits=dataclasses.replace(limits, memory_mb=8000, process_mb=1500, timeout=30))
    assert caught.value.kind == "memory"
    assert "查询进程的内存超过上限（1,500 MB）" in caught.value.message
    assert workers() == {}


def test_a_worker_that_dies_is_reported_as_crashed(db, limits):
    """A worker killed by a signal (here sent from outside, as an out-of-memory killer would)."""

    def kill_it():
        deadline = time.monotonic() + 10
        while not workers() and time.monotonic() < deadline:
            time.sleep(0.01)
        for pid in workers():
            os.kill(pid, signal.SIGSEGV)

    killer = threading.Thread(target=kill_it)
    killer.start()
    with pytest.raises(QueryError) as caught:
        sqlworker.run(BURN, db, limits=dataclasses.replace(limits, timeout=20))
    killer.join()
    assert caught.value.kind == "crashed"
    assert "查询进程意外退出（信号 SIGSEGV）" in caught.value.message and "4,096 MB" in caught.value.message
    assert workers() == {}


def slow_in_thread(db, limits, user):
    """Start a burning query of ``user`` in a thread; return the thread and where its outcome lands."""
    outcome = {}

    def target():
        try:
            outcome["result"] = sqlworker.run(BURN, db, user=user, limits=limits)
        except QueryError as error:
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    return thread, outcome


def wait_running(n: int) -> None:
    deadline = time.monotonic() + 5
    while sqlworker.RUNNING.count() < n:
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_concurrency_caps_refuse_at_once(db, limits):
    limits = dataclasses.replace(limits, timeout=3, per_user=1, total=2)
    first, first_outcome = slow_in_thread(db, limits, "甲")
    wait_running(1)
    started = time.monotonic()
    with pytest.raises(QueryError) as caught:
        sqlworker.run("SELECT 1", db, user="甲", limits=limits)
    assert caught.value.kind == "busy" and "每人同时最多 1 条" in caught.value.message
    assert time.monotonic() - started < 0.2  # refused at once, no process started
    second, second_outcome = slow_in_thread(db, limits, "乙")  # another user still may
    wait_running(2)
    with pytest.raises(QueryError) as caught:
        sqlworker.run("SELECT 1", db, user="丙", limits=limits)
    assert caught.value.kind == "busy" and "已达同时运行的上限" in caught.value.message
    first.join()
    second.join()
    assert first_outcome["error"].kind == second_outcome["error"].kind == "timeout"
    assert sqlworker.RUNNING.count() == 0 and workers() == {}
    assert sqlworker.run("SELECT 1 AS n", db, user="甲", limits=limits).frame["n"][0] == 1


def test_limits_come_from_the_settings(monkeypatch):
    monkeypatch.setenv("STREETDASH_SQL_TIMEOUT", "2.5")
    monkeypatch.setenv("STREETDASH_SQL_PER_USER", "2")
    limits = sqlworker.Limits.from_settings(row_limit=10)
    assert (limits.timeout, limits.per_user, limits.row_limit) == (2.5, 2, 10)
    assert limits.describe() == "最多返回 10 行、50 MB，2.5 秒超时"
    monkeypatch.setenv("STREETDASH_SQL_THREADS", "two")
    with pytest.raises(ValueError, match="STREETDASH_SQL_THREADS"):
        sqlworker.Limits.from_settings()


# One configuration in the app process ------------------------------------------------------------


def test_the_shared_database_is_pinned_to_its_version_and_blocks_no_other_open(db, tmp_path):
    """The app's shared database attaches the warehouse by its own file handle (``/proc/self/fd/N``):
    another configuration of the file still opens beside it, two cursors see the same rows, and a file
    renamed over the live path (a load publishing) is a new version with its own database, while a
    cursor taken before keeps reading the old one."""
    import shutil

    from streetdash import db as warehouse_db

    live = tmp_path / "live.duckdb"
    shutil.copyfile(db, live)
    with connect_readonly(live) as one, connect_readonly(live) as two:
        assert one.execute("SELECT current_database()").fetchone() == ("warehouse",)
        assert (
            one.execute("SELECT count(*) FROM tasks").fetchone() == two.execute("SELECT count(*) FROM tasks").fetchone()
        )
        with duckdb.connect(str(live), read_only=True) as other:
            assert (
                other.execute("SELECT count(*) FROM tasks").fetchone()
                == one.execute("SELECT count(*) FROM tasks").fetchone()
            )
        before = one.execute("SELECT count(*) FROM tasks").fetchone()[0]
        new = tmp_path / "new.duckdb"
        shutil.copyfile(live, new)
        with duckdb.connect(str(new)) as writer:
            writer.execute("DELETE FROM tasks WHERE task_id IN (SELECT task_id FROM tasks LIMIT 5)")
        new.replace(live)
        with connect_readonly(live) as three:
            assert three.execute("SELECT count(*) FROM tasks").fetchone()[0] == before - 5
        assert one.execute("SELECT count(*) FROM tasks").fetchone()[0] == before
    warehouse_db.close_shared(live)


def test_only_db_opens_the_warehouse_in_the_app_process():
    """Every module of the core and the app opens the warehouse through ``db.connect_readonly``; the
    worker (another process) and the scoped database (in memory) are the only other connects."""
    allowed = {"streetdash/db.py", "streetdash/sqlworker.py", "streetdash/scoped.py"}
    files = [*PROJ_ROOT.glob("streetdash/**/*.py"), *PROJ_ROOT.glob("pages/*.py"), PROJ_ROOT / "dashboard.py"]
    found = {str(p.relative_to(PROJ_ROOT)) for p in files if "duckdb.connect(" in p.read_text(encoding="utf-8")}
    assert found <= allowed, found - allowed


PERIOD = ("2022-01-01", "2022-12-31")


def one_page_round(db) -> float:
    started = time.perf_counter()
    with connect_readonly(db) as con:
        assert len(metrics.community_metrics(con, *PERIOD, "崇文街道")) == 6
        assert queries.scope_options(con)
        relations = explore.catalogue(con)
        tasks = next(r for r in relations if r.name == "stg_tasks")
        assert explore.preview(con, tasks, [explore.Filter("community", "等于", "崇北社区")]).total == 311
        spec = explore.PivotSpec("stg_tasks", "community", None, "count", dt.date(2022, 1, 1), dt.date(2022, 12, 31))
        assert len(explore.pivot(con, spec).table) == 19  # 18 communities and 合计
    return time.perf_counter() - started


class PageReaders:
    """Four threads asking what the pages ask, on the app's connections, until stopped."""

    def __init__(self, db):
        self.db = db
        self.rounds: list[float] = []
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._read) for _ in range(4)]

    def _read(self):
        while not self._stop.is_set():
            try:
                self.rounds.append(one_page_round(self.db))
            except BaseException as error:  # noqa: BLE001 -- every failure is the test's finding
                self.errors.append(error)

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join()


def test_pages_keep_answering_while_workspace_queries_hit_their_limits(db, limits):
    """Page-style queries in four threads on the app's one configuration, first alone, then while
    workspace queries run (one burning CPU until it is killed, one hitting the memory limit, an
    ordinary one): no error, and the pages' rounds take about as long as without the workspace (the
    workers run at a lower priority: under this load the ordinary query waits, the pages do not)."""
    with PageReaders(db) as alone:
        time.sleep(3)
    workspace = dataclasses.replace(limits, timeout=30, per_user=4, total=4)
    asked = [
        (BURN, dataclasses.replace(workspace, timeout=3)),
        (
            "SELECT count(DISTINCT a.range || '-' || b.range) FROM range(20000) a, range(20000) b",
            dataclasses.replace(workspace, memory_mb=100),
        ),
        ("SELECT * FROM community_metrics(DATE '2022-01-01', DATE '2022-12-31')", workspace),
    ]
    with PageReaders(db) as busy, ThreadPoolExecutor(3) as runners:
        kinds = list(runners.map(lambda a: outcome(a[0], db, a[1]), asked))
    assert alone.errors == [] and busy.errors == []
    assert kinds == ["timeout", "memory", "ok"]
    assert len(busy.rounds) >= 8
    before, during = statistics.median(alone.rounds), statistics.median(busy.rounds)
    print(
        f"page round (4 threads): median {before * 1000:.0f} ms alone, {during * 1000:.0f} ms with the workspace busy"
    )
    assert during < 2 * before + 0.5  # generous: the machine running the tests may be busy too
    assert workers() == {}


def outcome(sql, db, limits) -> str:
    """The kind of error a workspace query ends with, or "ok"."""
    try:
        sqlworker.run(sql, db, user="x", limits=limits)
    except QueryError as error:
        return error.kind
    return "ok"
