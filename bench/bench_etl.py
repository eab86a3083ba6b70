"""ETL throughput: loading N task rows against DuckDB's own read_csv of the same file, and a task
workbook (.xlsx) against python-calamine's raw read of the same workbook.

The goal is judged on the command a user runs: both sides run as fresh Python processes
(interpreter start and imports included), one after the other in the same run, so the ratio is fair
on a shared, noisy machine, and the loader draws its progress bar. For context the loader is also
timed as a library call (``load_paths``) in this process, where start-up costs are not counted.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import write_task_ledgers
from etl.load import load_paths

ROOT = Path(__file__).resolve().parent.parent
GOAL = 2.0  # the CSV path against DuckDB's read_csv into a table
XLSX_GOAL = 1.5  # the xlsx path against calamine's raw read
XLSX_ROWS = 100_000


def _timed(cmd: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, env=env)
    return time.perf_counter() - start


def write_task_workbook(csv_path: Path, xlsx_path: Path, rows: int) -> Path:
    """The first ``rows`` rows of a generated task CSV as a one-sheet workbook, as Excel would save it."""
    import csv

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("任务台账")
    with open(csv_path, encoding="utf-8", newline="") as f:
        for i, record in enumerate(csv.reader(f)):
            if i > rows:
                break
            sheet.append(record)
    workbook.save(xlsx_path)
    return xlsx_path


def bench_xlsx(tmp: Path, files: dict[str, Path], base: Path, repeats: int) -> dict:
    """The loader on a task workbook against calamine reading every cell of it, both as fresh processes."""
    xlsx = write_task_workbook(files["tasks"], tmp / "tasks.xlsx", XLSX_ROWS)
    calamine_times, etl_times = [], []
    for i in range(repeats):
        calamine_times.append(
            _timed(
                [
                    sys.executable,
                    "-c",
                    "import sys, python_calamine as c;"
                    " rows = c.CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python()",
                    str(xlsx),
                ]
            )
        )
        warehouse = tmp / f"xlsx-{i}.duckdb"
        shutil.copyfile(base, warehouse)
        etl_times.append(_timed([sys.executable, "-m", "etl", "load", str(xlsx), "--db", str(warehouse), "--quiet"]))
        warehouse.unlink()
    calamine_seconds, etl_seconds = statistics.median(calamine_times), statistics.median(etl_times)
    ratio = etl_seconds / calamine_seconds
    return {
        "benchmark": f"ETL：加载 {XLSX_ROWS:,} 行任务台账 xlsx（{repeats} 次中位数）",
        "reference": f"calamine 读取全部单元格 {calamine_seconds:.2f} s",
        "measured": f"python -m etl load {etl_seconds:.2f} s",
        "ratio": f"{ratio:.2f}×",
        "goal": f"≤ {XLSX_GOAL:g}×",
        "result": "PASS" if ratio <= XLSX_GOAL else "FAIL",
    }


def bench_etl(rows: int = 1_000_000, repeats: int = 3) -> list[dict]:
    """Rows for the results table: DuckDB read_csv seconds, loader seconds, ratio (medians of ``repeats``)."""
    with tempfile.TemporaryDirectory(prefix="bench-etl-") as tmp:
        tmp = Path(tmp)
        files = write_task_ledgers(tmp / "ledgers", rows=rows)
        base = tmp / "base.duckdb"
        # Untimed: the community and grid lists the tasks refer to.
        subprocess.run(
            [
                sys.executable,
                "-m",
                "etl",
                "load",
                str(files["communities"]),
                str(files["grids"]),
                "--db",
                str(base),
                "--quiet",
            ],
            cwd=ROOT,
            check=True,
        )
        duckdb_times, etl_times, library_times = [], [], []
        for i in range(repeats):  # alternated, so that a slow moment of the machine hits both sides
            reference = tmp / f"reference-{i}.duckdb"
            duckdb_times.append(
                _timed(
                    [
                        sys.executable,
                        "-c",
                        "import duckdb, sys; con = duckdb.connect(sys.argv[1]);"
                        ' con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [sys.argv[2]])',
                        str(reference),
                        str(files["tasks"]),
                    ]
                )
            )
            reference.unlink()
            warehouse = tmp / f"warehouse-{i}.duckdb"
            shutil.copyfile(base, warehouse)
            etl_times.append(_timed([sys.executable, "-m", "etl", "load", str(files["tasks"]), "--db", str(warehouse)]))
            shutil.copyfile(base, warehouse)
            start = time.perf_counter()
            load_paths([files["tasks"]], db=warehouse)
            library_times.append(time.perf_counter() - start)
            warehouse.unlink()
        xlsx_row = bench_xlsx(tmp, files, base, repeats)
    duckdb_seconds, etl_seconds, library_seconds = map(statistics.median, (duckdb_times, etl_times, library_times))
    ratio = etl_seconds / duckdb_seconds
    runs = f"（{repeats} 次中位数）"
    return [
        {
            "benchmark": f"ETL：加载 {rows:,} 行任务台账 CSV{runs}",
            "reference": f"DuckDB read_csv 建表 {duckdb_seconds:.2f} s",
            "measured": f"python -m etl load {etl_seconds:.2f} s",
            "ratio": f"{ratio:.2f}×",
            "goal": f"≤ {GOAL:g}×",
            "result": "PASS" if ratio <= GOAL else "FAIL",
        },
        {
            "benchmark": "同上，作为库函数调用（不含进程启动与导入）",
            "reference": f"DuckDB read_csv 建表 {duckdb_seconds:.2f} s",
            "measured": f"etl.load.load_paths {library_seconds:.2f} s",
            "ratio": f"{library_seconds / duckdb_seconds:.2f}×",
            "goal": "（参考）",
            "result": "",
        },
        xlsx_row,
    ]
