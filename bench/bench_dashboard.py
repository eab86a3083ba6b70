"""Dashboard speed: how long the overview takes to re-render after a filter change (server time).

Each change asks for figures not yet cached (a new period or community), so it measures the queries
and the page, not the cache. Run on the demo warehouse and on one with 1,000,000 tasks.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from bench.generate import write_task_ledgers
from etl.demo import build_demo

ROOT = Path(__file__).resolve().parent.parent
GOAL = 0.150  # p95 of the re-renders after a filter change (issue 18)
PERIODS = ["上月", "本季度", "本年", "本月"]


def signed_in(at: AppTest, folder: Path) -> AppTest:
    """``at`` signed in as a district user who sees every street (accounts in ``folder``, made once), as
    the sign-in form leaves a session: a warehouse that is not the demo serves no one else."""
    from streetdash.accounts import AccountStore
    from streetdash.app import auth

    os.environ["STREETDASH_ACCOUNTS"] = str(folder / "bench-accounts.json")
    os.environ["STREETDASH_AUDIT"] = str(folder / "bench-audit.sqlite")
    store = AccountStore()
    for name, role, scope in (("bench-admin", "admin", ""), ("bench-district", "district", "全部")):
        if store.get(name) is None:
            store.add(name, role, scope, "bench-password-only")
    now = auth.now()
    at.session_state[auth.SESSION_KEY] = auth.Session("bench-district", "local", now, now)
    return at


def overview_rerun_seconds(db: Path) -> tuple[float, float, float]:
    """(first render, median and p95 re-render after a filter change) of the overview page, in seconds."""
    os.environ["WAREHOUSE_DB"] = str(db)
    at = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120), db.parent)
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    assert not at.exception, at.exception
    times = []
    radio = at.sidebar.radio[0]
    for period in [o for o in radio.options if o != radio.value][:5] or PERIODS:
        at.sidebar.radio[0].set_value(period)
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        assert not at.exception, at.exception
    communities = at.sidebar.multiselect[0].options[:4]
    for community in communities:
        at.sidebar.multiselect[0].set_value([community])
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    ordered = sorted(times)
    return first, statistics.median(times), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def bench_dashboard(rows: int = 1_000_000) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-dash-") as tmp:
        tmp = Path(tmp)
        demo = tmp / "demo.duckdb"
        build_demo(db=demo, folder=tmp / "demo", report_dir=tmp / "reports")
        big = tmp / "big.duckdb"
        files = write_task_ledgers(tmp / "big", rows=rows)
        subprocess.run(
            [sys.executable, "-m", "etl", "load", *map(str, files.values()), "--db", str(big), "--quiet"],
            cwd=ROOT,
            check=True,
        )
        for label, db in [("演示数仓", demo), (f"{rows:,} 条任务的数仓", big)]:
            first, median, p95 = overview_rerun_seconds(db)
            results.append(
                {
                    "benchmark": f"总览页：改变筛选后重新渲染（{label}，服务器端）",
                    "reference": f"首次渲染 {first:.2f} s",
                    "measured": f"p50 {median * 1000:.0f} ms / p95 {p95 * 1000:.0f} ms",
                    "ratio": "",
                    "goal": f"p95 < {GOAL * 1000:.0f} ms",
                    "result": "PASS" if p95 < GOAL else "FAIL",
                }
            )
    return results
