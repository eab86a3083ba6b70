"""All or nothing: a killed load leaves the warehouse as it was; readers and loads do not collide."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from etl.load import load_paths
from tests.ledgers import write_base, write_csv

ROOT = Path(__file__).resolve().parents[2]
HEADER = "任务编号,所属社区,网格编码,任务类别,任务内容,任务来源,发布时间,办理时限,状态,办结时间\n"


def big_task_file(path: Path, rows: int, prefix: str = "K") -> Path:
    lines = (
        f"{prefix}{i:07d},崇北社区,G{1 + i % 2},环境卫生,清理楼道第{i}处,小程序,2022-0{1 + i % 9}-1{i % 10} 08:30,,"
        f"{'已办结' if i % 3 else '办理中'},{'2022-10-01' if i % 3 else ''}\n"
        for i in range(rows)
    )
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
            for t in ("communities", "grids", "tasks", "load_log")
        }


def test_sigkill_midway_leaves_the_warehouse_unchanged(tmp_path):
    db = tmp_path / "w.duckdb"
    assert load_paths(write_base(tmp_path / "base"), db=db).committed
    before, before_counts = digest(db), counts(db)
    big = big_task_file(tmp_path / "tasks.csv", 400_000)
    proc = subprocess.Popen([sys.executable, "-m", "etl", "load", str(big), "--db", str(db), "--quiet"], cwd=ROOT)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob("w.duckdb.tmp-*")) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.5)  # well inside the batch: reading and staging 400,000 rows takes seconds
    assert proc.poll() is None, "the load finished before it could be killed; make the file bigger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert digest(db) == before
    assert counts(db) == before_counts
    # The next load cleans up the abandoned working copy and works.
    small = write_csv(
        tmp_path / "small.csv",
        [HEADER.strip().split(","), ["S1", "崇北", "G1", "便民服务", "x", "小程序", "2022-01-01", "", "待接单", ""]],
    )
    assert load_paths([small], db=db).committed
    assert counts(db)["tasks"] == 1
    assert not list(tmp_path.glob("w.duckdb.tmp-*"))


def test_a_killed_loads_spill_folder_does_not_block_the_next_load(tmp_path):
    """DuckDB spills to ``<working copy>.tmp`` beyond the loader's memory limit; a load killed then leaves
    that folder behind, and the next load clears it like the working copy instead of failing on it."""
    db = tmp_path / "w.duckdb"
    assert load_paths(write_base(tmp_path / "base"), db=db).committed
    spill = tmp_path / "w.duckdb.tmp-999999.tmp"
    spill.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"x" * 1024)
    small = write_csv(
        tmp_path / "small.csv",
        [HEADER.strip().split(","), ["S1", "崇北", "G1", "便民服务", "x", "小程序", "2022-01-01", "", "待接单", ""]],
    )
    assert load_paths([small], db=db).committed
    assert counts(db)["tasks"] == 1
    assert not list(tmp_path.glob("w.duckdb.tmp-*"))


def test_failure_inside_the_batch_rolls_everything_back(tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    load_paths(write_base(tmp_path / "base"), db=db)
    before = digest(db)
    import etl.load

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(etl.load, "_write_logs", broken)
    try:
        load_paths([big_task_file(tmp_path / "t.csv", 10)], db=db)
    except RuntimeError:
        pass
    assert digest(db) == before


def test_readers_keep_a_consistent_snapshot_while_a_load_publishes(tmp_path):
    db = tmp_path / "w.duckdb"
    load_paths(write_base(tmp_path / "base"), db=db)
    reader = duckdb.connect(str(db), read_only=True)  # the app, mid-query
    assert reader.execute("SELECT count(*) FROM tasks").fetchall() == [(0,)]
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(big_task_file(tmp_path / "t.csv", 1000)), "--db", str(db), "--quiet"],
        cwd=ROOT,
    )
    assert proc.returncode == 0  # the open reader did not block the load
    assert reader.execute("SELECT count(*) FROM tasks").fetchall() == [(0,)]  # old version, whole
    reader.close()
    assert counts(db)["tasks"] == 1000  # a new connection sees the new version


def test_concurrent_loads_are_serialised_not_lost(tmp_path):
    db = tmp_path / "w.duckdb"
    load_paths(write_base(tmp_path / "base"), db=db)
    files = [big_task_file(tmp_path / f"{p}.csv", 20_000, prefix=p) for p in ("A", "B")]
    procs = [
        subprocess.Popen([sys.executable, "-m", "etl", "load", str(f), "--db", str(db), "--quiet"], cwd=ROOT)
        for f in files
    ]
    assert [p.wait() for p in procs] == [0, 0]
    assert counts(db)["tasks"] == 40_000
