"""Synthetic ledgers at scale: a community list, a grid list and N task rows, as a street keeps them.

``python -m bench.generate --rows 1000000 --out bench/out`` writes three UTF-8 CSV files.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

STREETS = {
    "崇文街道": ["新建社区", "崇北社区", "永安社区", "府东社区", "振兴社区", "文苑社区"],
    "许庄街道": ["南风花园社区", "古桥社区", "京杭佳苑社区", "滨湖社区"],
    "北城街道": ["星河社区"],
}
CATEGORIES = ["安全隐患", "环境卫生", "矛盾纠纷", "疫情防控", "政策宣传", "微心愿", "便民服务", "其他"]
SOURCES = ["小程序", "网格员上报", "热线", "居民来访", "社区发布"]
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


def _write(path: Path, columns: dict[str, list | np.ndarray]) -> Path:
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
                "社区类型": ["老旧小区"] * len(communities),
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
    community_names = np.array([name for _, name in communities])[grid_community[grid]]
    start = np.datetime64("2021-01-01T00:00")
    published = start + rng.integers(0, 4 * 365 * 24 * 60, rows).astype("timedelta64[m]")
    deadline = (published + rng.integers(3, 30, rows).astype("timedelta64[D]")).astype("datetime64[D]")
    closed_mask = rng.random(rows) < 0.7
    closed = published + rng.integers(60, 40 * 24 * 60, rows).astype("timedelta64[m]")
    status = np.where(closed_mask, "已办结", rng.choice(["待接单", "已接单", "办理中"], rows))
    published_text = np.datetime_as_string(published, unit="m").astype(object)
    files["tasks"] = _write(
        out_dir / "tasks.csv",
        {
            "任务编号": np.char.add("T", np.char.zfill(np.arange(rows).astype(str), 8)),
            "所属社区": community_names,
            "网格编码": np.array(grid_ids)[grid],
            "任务类别": rng.choice(CATEGORIES, rows),
            "任务内容": rng.choice(TITLES, rows),
            "任务来源": rng.choice(SOURCES, rows),
            "发布时间": [t.replace("T", " ") for t in published_text],
            "办理时限": np.datetime_as_string(deadline, unit="D"),
            "状态": status,
            "办结时间": np.where(closed_mask, np.char.replace(np.datetime_as_string(closed, unit="m"), "T", " "), ""),
            "满意度": np.where(closed_mask, rng.choice(["满意", "基本满意", "不满意"], rows, p=[0.7, 0.25, 0.05]), ""),
            "经度": np.round(111.78 + rng.normal(0, 0.01, rows), 6).astype(str),
            "纬度": np.round(37.14 + rng.normal(0, 0.01, rows), 6).astype(str),
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
