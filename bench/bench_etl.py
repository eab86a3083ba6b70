"""ETL throughput: loading N task rows against DuckDB's own read_csv of the same file.

Both sides run as fresh Python processes (interpreter start and imports included), one after the
other in the same run, so the ratio is fair on a shared, noisy machine. The loader runs with its
progress bar drawn, as a user sees it.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import write_task_ledgers

ROOT = Path(__file__).resolve().parent.parent
GOAL = 3.0


def _timed(cmd: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, env=env)
    return time.perf_counter() - start


def bench_etl(rows: int = 1_000_000) -> list[dict]:
    """Rows for the results table: DuckDB read_csv seconds, loader seconds, ratio."""
    with tempfile.TemporaryDirectory(prefix="bench-etl-") as tmp:
        tmp = Path(tmp)
        files = write_task_ledgers(tmp / "ledgers", rows=rows)
        warehouse = tmp / "warehouse.duckdb"
        # Untimed: the community and grid lists the tasks refer to.
        subprocess.run([sys.executable, "-m", "etl", "load", str(files["communities"]), str(files["grids"]),
                        "--db", str(warehouse), "--quiet"], cwd=ROOT, check=True)
        duckdb_seconds = _timed([
            sys.executable, "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]);"
            " con.execute(\"CREATE TABLE t AS SELECT * FROM read_csv(?)\", [sys.argv[2]])",
            str(tmp / "reference.duckdb"), str(files["tasks"]),
        ])
        etl_seconds = _timed([sys.executable, "-m", "etl", "load", str(files["tasks"]), "--db", str(warehouse)])
    ratio = etl_seconds / duckdb_seconds
    return [{
        "benchmark": f"ETL：加载 {rows:,} 行任务台账 CSV",
        "reference": f"DuckDB read_csv 建表 {duckdb_seconds:.2f} s",
        "measured": f"python -m etl load {etl_seconds:.2f} s",
        "ratio": f"{ratio:.2f}×",
        "goal": f"< {GOAL:g}×",
        "result": "PASS" if ratio < GOAL else "FAIL",
    }]
