"""Synthetic ledgers at scale: a community list, a grid list and N task rows, as a street keeps them.

``python -m bench.generate --rows 1000000 --out bench/out`` writes three UTF-8 CSV files.
"""

from __future__ import annotations

import argparse
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
