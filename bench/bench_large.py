"""``make bench-large``: a city's ten years on one machine, measured in one run.

Generates every ledger of a city in proportion (``bench.generate.write_city_ledgers``: BENCH_TASKS
tasks, default 10,000,000, and BENCH_GRIDS grids with boundaries, default 5,000), loads them with
the real loader, each in a child process of its own, and reports: generation time and peak RSS; load
time, peak RSS and rows/s per ledger (each ledger's read and validation stages, timed from the loader's
own stage callbacks) and the batch's shared steps (grid checks, models and rollups, commit); the
warehouse size; the metric macros' p50/p95 cold (a
fresh database per call: what the first viewer after a load waits) and warm; their ratio to one plain
aggregate query over the records (the layer's overhead); and, in a separate app process, each page's
first render and re-render after a filter change (AppTest, server time) and that process's peak RSS.

Develop with ``BENCH_TASKS=1000000``; the generated files and warehouse live in a temporary folder
(BENCH_DIR to keep them) and are deleted afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "pages/overview.py",
    "pages/tasks.py",
    "pages/mediation.py",
    "pages/employment.py",
    "pages/campaigns.py",
    "pages/grid_map.py",
    "pages/assessment.py",
    "pages/data_status.py",
]
GOALS = {"overview_rerender": 0.300, "overview_first": 1.5, "page_rerender": 0.500, "macro_warm_p95": 0.100}
MACROS = ["community_metrics", "street_metrics", "selection_metrics", "community_monthly", "street_monthly"]


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def row(benchmark: str, reference: str, measured: str, ratio: str = "", goal: str = "", result: str = "") -> dict:
    return {
        "benchmark": benchmark,
        "reference": reference,
        "measured": measured,
        "ratio": ratio,
        "goal": goal,
        "result": result,
    }


def timed_load(paths: list[Path], db: Path) -> dict:
    """In this process (run as a child of the benchmark): load every file in one batch; seconds in
    total and per stage (the loader's on_stage names), and this process's peak RSS."""
    from etl.load import load_paths

    marks: list[tuple[str, float]] = []
    start = time.perf_counter()
    result = load_paths(paths, db=db, on_stage=lambda stage: marks.append((stage, time.perf_counter())))
    total = time.perf_counter() - start
    assert result.exit_code == 0, result.report()
    # A file the loader refused (too large, say) is reported, not raised: the batch would load without it.
    failed = [s.message for s in result.sheets if s.status == "error"]
    assert not failed, failed
    stages: dict[str, float] = {}
    ends = [t for _, t in marks[1:]] + [start + total]
    for (stage, t0), t1 in zip(marks, ends, strict=True):
        stages[stage] = stages.get(stage, 0.0) + (t1 - t0)
    return {"total": total, "stages": stages, "rejected": len(result.rejected), "peak_rss_mb": peak_rss_mb()}


def generate(folder: Path, tasks: int, grids: int) -> dict:
    """In this process (a child of the benchmark): write the city's ledgers; seconds and peak RSS."""
    from bench.generate import write_city_ledgers

    t = time.perf_counter()
    files = write_city_ledgers(folder, tasks=tasks, grids=grids)
    return {
        "seconds": time.perf_counter() - t,
        "files": {kind: str(path) for kind, path in files.items()},
        "peak_rss_mb": peak_rss_mb(),
    }


def child(*args: str) -> dict:
    """Run ``python -m bench.bench_large ARGS`` and return the JSON its last line prints. A child of its
    own, so each step's peak memory is its own (VmHWM starts afresh at exec) and the parent stays small."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_large", *args], cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def ledger_files(path: Path) -> list[Path]:
    """The files of one ledger: the file, or every file in its folder (the yearly ledgers)."""
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]


def macro_times(db: Path, rng: random.Random, warm_runs: int = 20, cold_runs: int = 4) -> dict[str, dict]:
    """p50/p95 seconds of each macro over random periods (one to twelve months in the data's last
    three years), cold (a fresh shared database per call) and warm; and the plain query's."""
    from streetdash import metrics
    from streetdash.db import close_shared, connect_readonly

    with connect_readonly(db) as con:
        as_of = con.execute("SELECT max(as_of) FROM data_as_of").fetchone()[0]
        communities = [r[0] for r in con.execute("SELECT community FROM dim_communities").fetchall()]

    def period() -> tuple[dt.date, dt.date]:
        start = as_of - dt.timedelta(days=rng.randint(0, 3 * 365))
        return start, min(as_of, start + dt.timedelta(days=rng.randint(28, 365)))

    def call(con, name: str, start, end):
        if name == "selection_metrics":
            return metrics.selection_metrics(con, start, end, rng.sample(communities, min(3, len(communities))))
        return getattr(metrics, name)(con, start, end)

    out: dict[str, dict] = {}
    for name in MACROS:
        cold, warm = [], []
        for _ in range(cold_runs):
            close_shared(db)
            t = time.perf_counter()
            with connect_readonly(db) as con:
                call(con, name, *period())
            cold.append(time.perf_counter() - t)
        with connect_readonly(db) as con:
            for _ in range(warm_runs):
                t = time.perf_counter()
                call(con, name, *period())
                warm.append(time.perf_counter() - t)
        out[name] = {"cold": cold, "warm": warm}
    # The layer's overhead: community_metrics against one plain aggregate over the task records giving
    # its task figures (published, closed, due, due and closed by the end, claims) per community.
    plain_sql = """
        WITH t AS (
            SELECT community_id, CAST(published_at AS DATE) AS published_on, status, CAST(closed_at AS DATE) AS closed_on,
                   coalesce(deadline, CAST(published_at AS DATE) + 7) AS due_on
            FROM tasks
        )
        SELECT community_id,
               count(*) FILTER (WHERE published_on BETWEEN $s AND $e) AS published,
               count(*) FILTER (WHERE published_on BETWEEN $s AND $e AND status = '已办结') AS closed,
               count(*) FILTER (WHERE due_on BETWEEN $s AND $e AND status <> '已关闭') AS due,
               count(*) FILTER (WHERE due_on BETWEEN $s AND $e AND status = '已办结' AND closed_on <= $e) AS due_closed,
               (SELECT count(*) FROM task_claims k WHERE CAST(k.claimed_at AS DATE) BETWEEN $s AND $e) AS claims
        FROM t GROUP BY community_id"""
    plain, macro = [], []
    with connect_readonly(db) as con:
        for _ in range(warm_runs):
            start, end = period()
            t = time.perf_counter()
            con.execute(plain_sql, {"s": start, "e": end}).df()
            plain.append(time.perf_counter() - t)
            t = time.perf_counter()
            metrics.community_metrics(con, start, end)
            macro.append(time.perf_counter() - t)
    out["plain"] = {"plain": plain, "macro": macro}
    return out


def page_times(db: Path) -> dict:
    """In this process (run as a child of the benchmark): each page's first render and median / p95
    re-render after a period change; and this process's peak RSS."""
    from streamlit.testing.v1 import AppTest

    from bench.bench_dashboard import signed_in

    os.environ["WAREHOUSE_DB"] = str(db)
    at = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600), db.parent)
    t = time.perf_counter()
    at.run()  # lands on the overview
    landing = time.perf_counter() - t
    assert not at.exception, at.exception
    pages = {}
    for page in PAGES:
        t = time.perf_counter()
        if page != "pages/overview.py":
            at.switch_page(page).run()
        first = landing if page == "pages/overview.py" else time.perf_counter() - t
        assert not at.exception, (page, at.exception)
        radio = at.sidebar.radio[0]
        choices = [o for o in radio.options if o != radio.value]
        reruns = []
        for choice in choices[:4] + [radio.value]:
            at.sidebar.radio[0].set_value(choice)
            t = time.perf_counter()
            at.run()
            reruns.append(time.perf_counter() - t)
            assert not at.exception, (page, at.exception)
        for community in at.sidebar.multiselect[0].options[:2]:
            at.sidebar.multiselect[0].set_value([community])
            t = time.perf_counter()
            at.run()
            reruns.append(time.perf_counter() - t)
            assert not at.exception, (page, at.exception)
        at.sidebar.multiselect[0].set_value([])
        at.run()
        pages[page] = {"first": first, "reruns": reruns}
    return {"pages": pages, "peak_rss_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss
    over an exec, so a child started by a large parent would report the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_large(tasks: int | None = None) -> list[dict]:
    from bench.generate import PER_TASK

    tasks = tasks or int(os.environ.get("BENCH_TASKS", "10000000"))
    grids = int(os.environ.get("BENCH_GRIDS", "5000"))
    keep = os.environ.get("BENCH_DIR")
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    folder = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="bench-large-", dir=ROOT / "bench" / "out"))
    folder.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    try:
        gen = child("generate", str(folder / "ledgers"), str(tasks), str(grids))
        files = {kind: Path(path) for kind, path in gen["files"].items()}
        ledger_rows = {"tasks": tasks, **{k: max(1, int(tasks * v)) for k, v in PER_TASK.items()}}
        every_file = [f for path in files.values() for f in ledger_files(path)]
        size_mb = sum(f.stat().st_size for f in every_file) / 2**20
        rows.append(
            row(
                f"生成城市台账：{tasks:,} 条任务，{grids:,} 个网格及边界，其余台账按比例",
                f"{len(every_file)} 个文件 {size_mb:,.0f} MB",
                f"{gen['seconds']:.1f} s",
            )
        )
        rows.append(row("生成进程内存峰值（RSS）", "", f"{gen['peak_rss_mb']:,.0f} MB"))

        db = folder / "city.duckdb"
        load = child("load", str(db), *map(str, files.values()))
        total, stages = load["total"], load["stages"]
        all_rows = sum(ledger_rows.values())
        rows.append(
            row(
                "导入：全部台账一个批次",
                f"{all_rows:,} 行（拒收 {load['rejected']:,} 处）",
                f"{total:.1f} s",
                f"{all_rows / total:,.0f} 行/s",
            )
        )
        for kind, path in files.items():
            # The loader labels a file by its name (the generator's names are unique) and may add a sheet.
            names = {f.name for f in ledger_files(path)}
            seconds = sum(v for k, v in stages.items() if k.partition(" ")[2].partition("「")[0] in names)
            n = ledger_rows.get(kind)
            label = path.name + (f"（{len(names)} 个文件，" if path.is_dir() else "（")
            rows.append(
                row(
                    f"导入：{label}读取 + 校验入库）",
                    f"{n:,} 行" if n else "边界/名录",
                    f"{seconds:.1f} s",
                    f"{n / seconds:,.0f} 行/s" if n and seconds else "",
                )
            )
        for stage, what in (("网格检查", "网格检查"), ("更新指标模型", "更新指标模型和汇总表（含写日志、提交、发布）")):
            rows.append(row(f"导入：{what}（整批一次）", "", f"{stages.get(stage, 0.0):.1f} s"))
        rows.append(row("导入进程内存峰值（RSS）", "", f"{load['peak_rss_mb']:,.0f} MB"))
        rows.append(row("数仓大小", "", f"{db.stat().st_size / 2**20:,.0f} MB"))

        timings = macro_times(db, random.Random(18))
        for name in MACROS:
            cold, warm = timings[name]["cold"], timings[name]["warm"]
            ok = p(warm, 0.95) < GOALS["macro_warm_p95"]
            rows.append(
                row(
                    f"指标宏 {name}（随机统计期）",
                    f"冷 p50 {p(cold, 0.5) * 1000:.0f} ms / p95 {p(cold, 0.95) * 1000:.0f} ms",
                    f"热 p50 {p(warm, 0.5) * 1000:.0f} ms / p95 {p(warm, 0.95) * 1000:.0f} ms",
                    "",
                    "热 p95 < 100 ms",
                    "PASS" if ok else "FAIL",
                )
            )
        plain, macro = timings["plain"]["plain"], timings["plain"]["macro"]
        ratio = statistics.median(macro) / statistics.median(plain)
        rows.append(
            row(
                "指标层开销：community_metrics（全部指标）对一条普通聚合查询（任务的发布、办结、应办结、接单）",
                f"普通查询 p50 {p(plain, 0.5) * 1000:.0f} ms",
                f"指标宏 p50 {p(macro, 0.5) * 1000:.0f} ms",
                f"{ratio:.2f}×",
                "≤ 1.5×",
                "PASS" if ratio <= 1.5 else "FAIL",
            )
        )

        app = child("pages", str(db))
        for page, t in app["pages"].items():
            goal = GOALS["overview_rerender"] if page == "pages/overview.py" else GOALS["page_rerender"]
            rerun95 = p(t["reruns"], 0.95)
            first_ok = page != "pages/overview.py" or t["first"] < GOALS["overview_first"]
            rows.append(
                row(
                    f"页面 {page}：改变筛选后重新渲染（服务器端）",
                    f"首次渲染 {t['first']:.2f} s",
                    f"p50 {p(t['reruns'], 0.5) * 1000:.0f} ms / p95 {rerun95 * 1000:.0f} ms",
                    "",
                    f"p95 < {goal * 1000:.0f} ms" + ("，首次 < 1.5 s" if page == "pages/overview.py" else ""),
                    "PASS" if rerun95 < goal and first_ok else "FAIL",
                )
            )
        rss = app["peak_rss_mb"]
        rows.append(
            row(
                "应用进程内存峰值（RSS，渲染以上页面后）",
                "",
                f"{rss:,.0f} MB",
                "",
                "< 2 GB",
                "PASS" if rss < 2048 else "FAIL",
            )
        )
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
    return rows


def main() -> None:
    if len(sys.argv) >= 3 and sys.argv[1] == "pages":
        print(json.dumps(page_times(Path(sys.argv[2]))))
        return
    if len(sys.argv) == 5 and sys.argv[1] == "generate":
        print(json.dumps(generate(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))))
        return
    if len(sys.argv) >= 4 and sys.argv[1] == "load":
        print(json.dumps(timed_load([Path(a) for a in sys.argv[3:]], Path(sys.argv[2]))))
        return
    from bench.__main__ import print_and_record

    print_and_record(bench_large(), title=f"城市规模基准（BENCH_TASKS={os.environ.get('BENCH_TASKS', '10000000')}）")


if __name__ == "__main__":
    main()
