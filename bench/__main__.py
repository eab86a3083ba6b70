"""``make bench``: run every benchmark once, print a table, and record it in bench/results.md."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.bench_dashboard import bench_dashboard
from bench.bench_etl import bench_etl
from bench.bench_export import bench_export
from bench.bench_map import bench_map

RESULTS = Path(__file__).with_name("results.md")
COLUMNS = ["benchmark", "reference", "measured", "ratio", "goal", "result"]
HEADERS = ["基准", "参照", "实测", "比值", "目标", "结果"]
# Each benchmark takes the task row count and returns rows of the printed table (keys: COLUMNS).
# A new benchmark (e.g. chart export) is one more entry here.
BENCHES: dict[str, Callable[[int], list[dict]]] = {
    "etl": bench_etl,
    "dashboard": bench_dashboard,
    "map": bench_map,
    "export": bench_export,
}


def record(rows: list[dict], title: str = "") -> None:
    """Prepend this run to bench/results.md (newest first), keeping earlier runs below; the heading
    names the machine and its load average at the end of the run (the machine is shared)."""
    machine = f"{os.cpu_count()} 核, Python {platform.python_version()}, {platform.machine()}"
    load = "负载 {:.2f} / {:.2f} / {:.2f}（1/5/15 分钟）".format(*os.getloadavg())
    lines = [
        f"## {dt.datetime.now():%Y-%m-%d %H:%M} — {title + '，' if title else ''}{machine}，{load}",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "---|" * len(HEADERS),
    ]
    lines += ["| " + " | ".join(str(r[c]) for c in COLUMNS) + " |" for r in rows]
    title = "# Benchmark results\n\nWritten by `make bench`; each run measures its figures in one go.\n\n"
    earlier = RESULTS.read_text(encoding="utf-8").removeprefix(title) if RESULTS.exists() else ""
    RESULTS.write_text(title + "\n".join(lines) + "\n\n" + earlier, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description="性能基准")
    parser.add_argument("--rows", type=int, default=1_000_000, help="合成任务台账的行数")
    parser.add_argument("--only", choices=list(BENCHES), action="append", help="只运行这些基准（可重复）")
    args = parser.parse_args()
    print_and_record([row for name in args.only or BENCHES for row in BENCHES[name](args.rows)])


def print_and_record(rows: list[dict], title: str = "") -> None:
    """Print the rows as a table and prepend them to bench/results.md."""
    table = Table(title=title or "性能基准")
    for header in HEADERS:
        table.add_column(header)
    for r in rows:
        table.add_row(*(str(r[c]) for c in COLUMNS))
    Console().print(table)
    record(rows, title)


if __name__ == "__main__":
    main()
