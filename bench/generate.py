"""Synthetic ledgers at scale: a community list, a grid list and N task rows, as a street keeps them.

``python -m bench.generate --rows 1000000 --out bench/out`` writes three UTF-8 CSV files.
"""

from __future__ import annotations

import argparse
from itertools import pairwise
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

STREETS = {
    "崇文街道": ["新建社区", "崇北社区", "永安社区", "府东社区", "振兴社区", "文苑社区"],
    "许庄街道": ["南风花园社区", "古桥社区", "京杭佳苑社区", "滨湖社区"],
    "北城街道": ["星河社区"],
}
CATEGORIES = ["安全隐患", "环境卫生", "矛盾纠纷", "疫情防控", "政策宣传", "微心愿", "便民服务", "其他"]
SOURCES = ["小程序", "网格员上报", "热线", "居民来访", "社区发布", "其他"]
SOURCE_WEIGHTS = [0.35, 0.3, 0.15, 0.1, 0.08, 0.02]
STATUSES = ["待接单", "已接单", "办理中", "已办结", "已关闭"]
STATUS_WEIGHTS = [0.08, 0.08, 0.11, 0.7, 0.03]  # ~70% closed (已办结)
KINDS = ["商品房小区", "回迁安置", "老旧小区", "村改居", "混合"]
TITLES = [
    "清理楼道杂物",
    "更换路灯",
    "疏通下水道",
    "调解邻里噪音",
    "上门送药",
    "宣传防诈骗",
    "修补破损路面",
    "帮扶独居老人",
]
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华")
GRIDS_PER_COMMUNITY = 20


def _take(values: list[str], index: np.ndarray) -> pa.Array:
    """``values[index]`` as an Arrow string column, built without a per-row Python loop."""
    return pa.array(values, pa.string()).take(pa.array(index))


def _stamp(times: np.ndarray, fmt: str = "%Y-%m-%d %H:%M:%S", mask: np.ndarray | None = None) -> pa.Array:
    """numpy datetimes as ledger text (``2022-08-30 14:30:00``); masked rows are left empty."""
    text = pc.strftime(pa.array(times.astype("datetime64[s]")), format=fmt)
    return text if mask is None else pc.if_else(pa.array(mask), "", text)


def _write(path: Path, columns: dict[str, list | np.ndarray | pa.Array]) -> Path:
    """Write ``columns`` as a UTF-8 CSV with one header row."""
    table = pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})
    # Unquoted, as spreadsheets export it (no value here holds a comma).
    pa_csv.write_csv(table, path, pa_csv.WriteOptions(quoting_style="none"))
    return path


def write_task_ledgers(out_dir: Path, rows: int = 1_000_000, seed: int = 7) -> dict[str, Path]:
    """Write communities.csv, grids.csv and tasks.csv (``rows`` rows) into ``out_dir``."""
    rng = np.random.default_rng(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    communities = [(street, name) for street, names in STREETS.items() for name in names]
    community_ids = [f"C{i + 1:02d}" for i in range(len(communities))]
    files = {
        "communities": _write(
            out_dir / "communities.csv",
            {
                "社区编码": community_ids,
                "社区名称": [name for _, name in communities],
                "所属街道": [street for street, _ in communities],
                "户数": [str(int(x)) for x in rng.integers(2500, 6000, len(communities))],
                "人口": [str(int(x)) for x in rng.integers(7000, 18000, len(communities))],
                "社区类型": [KINDS[i % len(KINDS)] for i in range(len(communities))],
                "别名": [name.removesuffix("社区") for _, name in communities],
            },
        )
    }
    grid_community = np.repeat(np.arange(len(communities)), GRIDS_PER_COMMUNITY)
    grid_ids = [f"{community_ids[c]}-G{g + 1:02d}" for c in range(len(communities)) for g in range(GRIDS_PER_COMMUNITY)]
    leaders = [rng.choice(SURNAMES) + "".join(rng.choice(GIVEN, 2)) for _ in grid_ids]
    files["grids"] = _write(
        out_dir / "grids.csv",
        {
            "网格编码": grid_ids,
            "网格名称": [f"第{g + 1}网格" for _ in communities for g in range(GRIDS_PER_COMMUNITY)],
            "所属社区": [communities[c][1] for c in grid_community],
            "户数": [str(int(x)) for x in rng.integers(300, 520, len(grid_ids))],
            "人口": [str(int(x)) for x in rng.integers(800, 1500, len(grid_ids))],
            "网格长": leaders,
            "专职网格员数": ["1"] * len(grid_ids),
            "兼职网格员数": [str(int(x)) for x in rng.integers(0, 4, len(grid_ids))],
            "党小组": ["是"] * len(grid_ids),
        },
    )

    grid = rng.integers(0, len(grid_ids), rows)
    minute = np.timedelta64(1, "m")
    published = np.datetime64("2021-01-01T00:00") + rng.integers(0, 4 * 365 * 24 * 60, rows) * minute
    deadline = published.astype("datetime64[D]") + rng.integers(3, 30, rows)
    status = rng.choice(STATUSES, rows, p=STATUS_WEIGHTS)
    closed = status == "已办结"
    closed_at = published + rng.integers(60, 40 * 24 * 60, rows) * minute
    satisfaction = rng.choice(["满意", "基本满意", "不满意", ""], rows, p=[0.6, 0.25, 0.05, 0.1])
    files["tasks"] = _write(
        out_dir / "tasks.csv",
        {
            "任务编号": pc.binary_join_element_wise(
                "T", pc.utf8_lpad(pc.cast(pa.array(np.arange(rows)), pa.string()), 8, "0"), ""
            ),
            "所属社区": _take([name for _, name in communities], grid_community[grid]),
            "网格编码": _take(grid_ids, grid),
            "任务类别": _take(CATEGORIES, rng.integers(0, len(CATEGORIES), rows)),
            "任务内容": _take(TITLES, rng.integers(0, len(TITLES), rows)),
            "任务来源": _take(SOURCES, rng.choice(len(SOURCES), rows, p=SOURCE_WEIGHTS)),
            "发布时间": _stamp(published),
            "办理时限": _stamp(deadline, "%Y-%m-%d"),
            "状态": status,
            "办结时间": _stamp(closed_at, mask=~closed),
            "满意度": np.where(closed, satisfaction, ""),
            "经度": pc.cast(pa.array(np.round(111.78 + rng.normal(0, 0.01, rows), 6)), pa.string()),
            "纬度": pc.cast(pa.array(np.round(37.14 + rng.normal(0, 0.01, rows), 6)), pa.string()),
        },
    )
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description="生成大规模合成台账（用于性能测试）")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    for kind, path in write_task_ledgers(args.out, args.rows, args.seed).items():
        print(kind, path)


if __name__ == "__main__":
    main()


# A city: every ledger, in proportion to the tasks -------------------------------------------------
# Per task, about what a street's ledgers hold (the demo's street has more claims and points per task;
# a city's 12345 cases are mostly one claim each).
PER_TASK = {
    "task_claims": 1.0,
    "mediation": 0.1,
    "job_postings": 0.02,
    "job_seekers": 0.1,
    "events": 0.02,
    "trainings": 0.001,
    "points": 0.3,
}
GRIDS_PER_CITY_COMMUNITY = 16  # a 4 x 4 block of square grids
STREET_COMMUNITIES = 12
CELL_DEG = 0.003  # about 300 m
CITY_ORIGIN = (112.40, 37.50)
DISPUTES = ["邻里纠纷", "物业纠纷", "婚姻家庭", "劳动争议", "房屋土地", "消费纠纷", "损害赔偿", "其他"]
LEVELS = ["网格", "社区", "街道", "移交上级"]
OUTCOMES = ["调解成功", "调解不成", "调解中", "已移交"]
STAGES = ["求职登记", "达成意向", "已录用", "已上岗"]
EVENT_KINDS = ["招聘会", "创业沙龙", "座谈会", "志愿服务", "文体活动"]
REASONS = ["志愿服务", "缴纳物业费", "爱心捐赠", "参加活动", "积分兑换"]
MEMBER_TYPES = ["在职党员", "网格员", "志愿者", "社区工作者"]


def _ids(prefix: str, n: int, first: int = 0, width: int = 9) -> pa.Array:
    return pc.binary_join_element_wise(
        prefix, pc.utf8_lpad(pc.cast(pa.array(np.arange(first, first + n)), pa.string()), width, "0"), ""
    )


def _numbers(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values), pa.string())


def _people(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct-looking resident names (two or three characters)."""
    names = {s + g for s in SURNAMES for g in GIVEN} | {s + g + h for s in SURNAMES for g in GIVEN[:12] for h in GIVEN}
    pool = sorted(names)
    return [pool[i] for i in rng.choice(len(pool), min(n, len(pool)), replace=False)]


def _square(lon: float, lat: float, size: float) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def _write_geojson(path: Path, rows: list[tuple[str, str, dict]]) -> Path:
    import json

    features = [{"type": "Feature", "properties": {key: code}, "geometry": geometry} for key, code, geometry in rows]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
    return path


# At most this many rows of a ledger are in memory at once, so the generator's memory does not grow with
# the city (written whole, 1,000,000 tasks' ledgers and their load in one process peaked at about 4.7 GB).
CHUNK_ROWS = 1_000_000
# Ledgers a city keeps as one file a year, as their systems export them. Ten years of a city's tasks in
# one CSV would be about 1 GB, over the loader's per-file limit (ETL_MAX_FILE_MB, 500 MB), and the loader
# holds a whole file in memory while it reads it; a year of them is a tenth of that.
YEARLY = ("tasks", "task_claims", "mediation", "job_seekers", "points")
# Each ledger's chunks draw from their own stream, (seed, ledger, chunk): the files are the same for a seed
# whatever else changes, and no chunk needs another's draws.
STREAMS = {"tasks": 1, "mediation": 2, "job_postings": 3, "job_seekers": 4, "trainings": 5, "events": 6, "points": 7}


def _split(total: int, weights: list[int]) -> list[int]:
    """``total`` cut in proportion to ``weights`` (integers that sum to it exactly)."""
    cumulative = np.cumsum(weights).tolist()
    edges = [total * c // cumulative[-1] for c in cumulative]
    return [b - a for a, b in zip([0, *edges[:-1]], edges, strict=True)]


def _segments(start: np.datetime64, span: int, rows: int) -> list[tuple[int, int, int, str]]:
    """The span (minutes from ``start``) cut at each new year, and a year cut again into equal parts
    of at most CHUNK_ROWS rows; ``rows`` spread over them in proportion to their length, as
    ``(first minute, end minute, rows, year)``. Rows uniform over each part are uniform over the span."""
    minute = np.timedelta64(1, "m")
    years, a, year = [], 0, start.astype("datetime64[Y]")
    while a < span:
        b = min(span, int(((year + 1).astype("datetime64[m]") - start) // minute))
        years.append((a, b, str(year)))
        a, year = b, year + 1
    out = []
    for (a, b, year), n in zip(years, _split(rows, [b - a for a, b, _ in years]), strict=True):
        parts = max(1, -(-n // CHUNK_ROWS))
        cuts = list(pairwise(a + (b - a) * i // parts for i in range(parts + 1)))
        out += [(x, y, m, year) for (x, y), m in zip(cuts, _split(n, [y - x for x, y in cuts]), strict=True) if m]
    return out


class _Ledger:
    """A ledger written chunk by chunk: one CSV, or (``yearly``) a folder of one CSV a year."""

    def __init__(self, out_dir: Path, name: str, yearly: bool):
        self.name, self.yearly = name, yearly
        self.path = out_dir / name if yearly else out_dir / f"{name}.csv"
        if yearly:
            self.path.mkdir(parents=True, exist_ok=True)
        self._writer: pa_csv.CSVWriter | None = None
        self._year: str | None = None

    def write(self, year: str, columns: dict[str, list | np.ndarray | pa.Array]) -> None:
        table = pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})
        if self._writer is None or (self.yearly and year != self._year):
            self.close()
            path = self.path / f"{self.name}-{year}.csv" if self.yearly else self.path
            # Unquoted, as spreadsheets export it (no value here holds a comma).
            self._writer = pa_csv.CSVWriter(path, table.schema, write_options=pa_csv.WriteOptions(quoting_style="none"))
            self._year = year
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def write_city_ledgers(
    out_dir: Path, tasks: int = 10_000_000, grids: int = 5_000, seed: int = 18, years: int = 10
) -> dict[str, Path]:
    """Every ledger of a city over ``years`` years, in proportion to ``tasks`` (:data:`PER_TASK`), with
    ``grids`` square grids of 4 x 4 to a community, 12 communities to a street, and their boundaries
    (GeoJSON); written as UTF-8 CSV the loader reads, at most :data:`CHUNK_ROWS` rows of a ledger in
    memory at a time. Returns the files by ledger kind: the :data:`YEARLY` ledgers are folders of one
    file a year (the loader walks folders), the rest single files. The same for the same arguments."""
    rng = np.random.default_rng(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    n_comm = max(1, grids // GRIDS_PER_CITY_COMMUNITY)
    grids = n_comm * GRIDS_PER_CITY_COMMUNITY
    codes = [f"CS{c:04d}" for c in range(n_comm)]
    names = [f"城{c + 1}社区" for c in range(n_comm)]
    streets = [f"城{c // STREET_COMMUNITIES + 1}街道" for c in range(n_comm)]
    grid_community = np.repeat(np.arange(n_comm), GRIDS_PER_CITY_COMMUNITY)
    grid_ids = [f"{codes[c]}-{g:02d}" for c in range(n_comm) for g in range(GRIDS_PER_CITY_COMMUNITY)]
    households = rng.integers(280, 540, grids)
    files = {
        "communities": _write(
            out_dir / "社区名录.csv",
            {
                "社区编码": codes,
                "社区名称": names,
                "所属街道": streets,
                "户数": [str(int(households[grid_community == c].sum())) for c in range(n_comm)],
                "人口": [str(int(x)) for x in rng.integers(7000, 18000, n_comm)],
                "社区类型": [KINDS[i % len(KINDS)] for i in range(n_comm)],
            },
        ),
        "grids": _write(
            out_dir / "网格名录.csv",
            {
                "网格编码": grid_ids,
                "网格名称": [f"第{g + 1}网格" for _ in range(n_comm) for g in range(GRIDS_PER_CITY_COMMUNITY)],
                "所属社区": _take(names, grid_community),
                "户数": _numbers(households),
                "人口": _numbers(rng.integers(800, 1500, grids)),
                "网格长": np.where(rng.random(grids) < 0.97, "王某", ""),
                "专职网格员数": ["1"] * grids,
                "兼职网格员数": _numbers(rng.integers(0, 4, grids)),
            },
        ),
    }
    # Boundaries: community c is the block (c mod side, c div side) of 4 x 4 cells.
    side = int(np.ceil(np.sqrt(n_comm)))
    grid_shapes, community_shapes = [], []
    for c in range(n_comm):
        bx, by = (c % side) * 4, (c // side) * 4
        lon0, lat0 = CITY_ORIGIN[0] + bx * CELL_DEG, CITY_ORIGIN[1] + by * CELL_DEG
        community_shapes.append(("社区编码", codes[c], _square(lon0, lat0, 4 * CELL_DEG)))
        for g in range(GRIDS_PER_CITY_COMMUNITY):
            lon, lat = lon0 + (g % 4) * CELL_DEG, lat0 + (g // 4) * CELL_DEG
            grid_shapes.append(("网格编码", f"{codes[c]}-{g:02d}", _square(lon, lat, CELL_DEG)))
    files["grid_boundaries"] = _write_geojson(out_dir / "网格边界.geojson", grid_shapes)
    files["community_boundaries"] = _write_geojson(out_dir / "社区边界.geojson", community_shapes)

    minute = np.timedelta64(1, "m")
    start = np.datetime64("2026-01-01T00:00") - np.timedelta64(365 * years, "D")
    span = 365 * years * 24 * 60
    people = _people(rng, 60_000)
    titles = {
        "tasks": "任务台账",
        "task_claims": "接单记录",
        "mediation": "矛盾纠纷调解台账",
        "job_postings": "就业信息台账",
        "job_seekers": "就业服务台账",
        "trainings": "技能培训台账",
        "events": "活动台账",
        "points": "积分台账",
    }
    ledgers = {kind: _Ledger(out_dir, title, kind in YEARLY) for kind, title in titles.items()}
    counts = {"tasks": tasks, **{kind: max(1, int(tasks * share)) for kind, share in PER_TASK.items()}}

    def chunks(kind: str):
        """Each chunk of ``kind``: its generator, its first row, its row count, its year, and its
        times (sorted, uniform over the chunk's part of the span)."""
        first = 0
        for i, (a, b, n, year) in enumerate(_segments(start, span, counts[kind])):
            chunk_rng = np.random.default_rng([seed, STREAMS[kind], i])
            yield chunk_rng, first, n, year, start + (a + np.sort(chunk_rng.integers(0, b - a, n))) * minute
            first += n

    # Tasks, as write_task_ledgers, over the city's grids; with each chunk, the claims on its tasks
    # (on random tasks of the chunk, within two days of publication), so claims are in proportion too.
    task_chunks = list(_segments(start, span, tasks))
    claims_per_chunk = _split(counts["task_claims"], [n for _, _, n, _ in task_chunks])
    first_claim = 0
    for (r, first, n, year, published), m in zip(chunks("tasks"), claims_per_chunk, strict=True):
        grid = r.integers(0, grids, n)
        deadline = published.astype("datetime64[D]") + r.integers(3, 30, n)
        status = r.choice(STATUSES, n, p=STATUS_WEIGHTS)
        closed = status == "已办结"
        closed_at = published + r.integers(60, 40 * 24 * 60, n) * minute
        satisfaction = r.choice(["满意", "基本满意", "不满意", ""], n, p=[0.6, 0.25, 0.05, 0.1])
        task_ids = _ids("T", n, first)
        ledgers["tasks"].write(
            year,
            {
                "任务编号": task_ids,
                "所属社区": _take(names, grid_community[grid]),
                "网格编码": _take(grid_ids, grid),
                "任务类别": _take(CATEGORIES, r.integers(0, len(CATEGORIES), n)),
                "任务来源": _take(SOURCES, r.choice(len(SOURCES), n, p=SOURCE_WEIGHTS)),
                "发布时间": _stamp(published),
                "办理时限": _stamp(deadline, "%Y-%m-%d"),
                "状态": status,
                "办结时间": _stamp(closed_at, mask=~closed),
                "满意度": np.where(closed, satisfaction, ""),
            },
        )
        if not m:
            continue
        task = r.integers(0, n, m)
        ledgers["task_claims"].write(
            year,
            {
                "接单编号": _ids("K", m, first_claim),
                "任务编号": task_ids.take(pa.array(task)),
                "接单人": _take(people, r.integers(0, len(people), m)),
                "人员类型": _take(MEMBER_TYPES, r.integers(0, len(MEMBER_TYPES), m)),
                "接单时间": _stamp(published[task] + r.integers(1, 48 * 60, m) * minute),
                "服务时长": _numbers(r.integers(1, 9, m)),
            },
        )
        first_claim += m

    for r, first, n, year, received in chunks("mediation"):
        g = r.integers(0, grids, n)
        outcome = r.choice(len(OUTCOMES), n, p=[0.7, 0.1, 0.1, 0.1])
        ended = outcome <= 1
        level = np.where(outcome == 3, 3, r.choice(3, n, p=[0.5, 0.4, 0.1]))
        ledgers["mediation"].write(
            year,
            {
                "案件编号": _ids("M", n, first),
                "所属社区": _take(names, grid_community[g]),
                "网格编码": _take(grid_ids, g),
                "纠纷类型": _take(DISPUTES, r.integers(0, len(DISPUTES), n)),
                "受理时间": _stamp(received),
                "化解层级": _take(LEVELS, level),
                "调解组织": pc.binary_join_element_wise(
                    _take(names, grid_community[g]), _numbers(r.integers(1, 4, n)), "调解小组"
                ),
                "调解结果": _take(OUTCOMES, outcome),
                "结案时间": _stamp(received + r.integers(60, 30 * 24 * 60, n) * minute, mask=~ended),
            },
        )

    # Employment: postings, job-seeker records, trainings; events; points.
    for r, first, n, year, posted in chunks("job_postings"):
        ledgers["job_postings"].write(
            year,
            {
                "信息编号": _ids("J", n, first),
                "所属社区": _take(names, r.integers(0, n_comm, n)),
                "用人单位": _take([f"第{i}公司" for i in range(1, 200)], r.integers(0, 199, n)),
                "岗位名称": _take(["保洁", "保安", "收银员", "快递员", "厨师", "育婴师"], r.integers(0, 6, n)),
                "招聘人数": _numbers(r.integers(1, 20, n)),
                "发布日期": _stamp(posted, "%Y-%m-%d"),
            },
        )
    for r, first, n, year, served in chunks("job_seekers"):
        ledgers["job_seekers"].write(
            year,
            {
                "记录编号": _ids("S", n, first),
                "所属社区": _take(names, r.integers(0, n_comm, n)),
                "姓名": _take(people, r.integers(0, len(people), n)),
                "服务阶段": _take(STAGES, r.choice(len(STAGES), n, p=[0.5, 0.25, 0.1, 0.15])),
                "日期": _stamp(served, "%Y-%m-%d"),
            },
        )
    for r, first, n, year, opened in chunks("trainings"):
        trainees = r.integers(10, 60, n)
        ledgers["trainings"].write(
            year,
            {
                "培训编号": _ids("P", n, first),
                "所属社区": _take(names, r.integers(0, n_comm, n)),
                "培训项目": _take(["家政服务", "育婴员", "电工", "中式烹调"], r.integers(0, 4, n)),
                "开班日期": _stamp(opened, "%Y-%m-%d"),
                "培训人数": _numbers(trainees),
                "取证人数": _numbers((trainees * r.uniform(0.3, 1.0, n)).astype(int)),
            },
        )
    for r, first, n, year, held in chunks("events"):
        ledgers["events"].write(
            year,
            {
                "活动编号": _ids("E", n, first),
                "所属社区": _take(names, r.integers(0, n_comm, n)),
                "活动类型": _take(EVENT_KINDS, r.integers(0, len(EVENT_KINDS), n)),
                "活动日期": _stamp(held, "%Y-%m-%d"),
                "参与人数": _numbers(r.integers(5, 200, n)),
            },
        )
    for r, first, n, year, dated in chunks("points"):
        reason = r.choice(len(REASONS), n, p=[0.35, 0.15, 0.1, 0.25, 0.15])
        points = np.where(reason == 4, -r.integers(5, 50, n), r.integers(1, 20, n))
        ledgers["points"].write(
            year,
            {
                "流水号": _ids("X", n, first),
                "所属社区": _take(names, r.integers(0, n_comm, n)),
                "居民姓名": _take(people, r.integers(0, len(people), n)),
                "日期": _stamp(dated, "%Y-%m-%d"),
                "事由": _take(REASONS, reason),
                "积分": _numbers(points),
            },
        )
    for kind, ledger in ledgers.items():
        ledger.close()
        files[kind] = ledger.path
    return files
