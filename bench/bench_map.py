"""Grid map speed for a city of 5,000 grids: server time to re-render the page, and what it sends.

The grids are a Voronoi coverage of a 30 km square, edges densified every 15 m and bent by a smooth
displacement field (the same point moves the same way in both neighbours, so shared edges stay
shared), like boundaries digitised along streets and walls; 100 communities of 50 grids each. They
are loaded through ``python -m etl load`` like a real street's files, then the 网格地图 page runs in
AppTest: its first render, then re-renders after changing the colouring and the period (median), and
the size of the chart spec Streamlit sends to the browser.
"""

from __future__ import annotations

import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
GRIDS, COMMUNITIES = 5_000, 100
GOAL_SECONDS, GOAL_MB = 1.0, 3.0
ORIGIN = (116.20, 39.80)  # lon, lat of the square's south-west corner
SIDE_DEG = 0.35  # about 30 km


def write_city(folder: Path, seed: int = 5000) -> list[Path]:
    """Community list, grid list and boundary GeoJSONs of a synthetic city; returns the files."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    square = shapely.box(ORIGIN[0], ORIGIN[1], ORIGIN[0] + SIDE_DEG, ORIGIN[1] + SIDE_DEG)
    seeds = shapely.points(rng.uniform(0, SIDE_DEG, (GRIDS, 2)) + ORIGIN)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=square))
    cells = shapely.intersection(cells, square)
    cells = shapely.segmentize(cells, 0.00015)

    def bend(coords: np.ndarray) -> np.ndarray:
        x, y = coords[:, 0], coords[:, 1]
        on_edge = (np.isclose(x, ORIGIN[0]) | np.isclose(x, ORIGIN[0] + SIDE_DEG))[:, None] | (
            np.isclose(y, ORIGIN[1]) | np.isclose(y, ORIGIN[1] + SIDE_DEG)
        )[:, None]
        shift = 0.00004 * np.column_stack([np.sin(y * 2400) + np.sin(x * 5100), np.cos(x * 2600) + np.sin(y * 4700)])
        return np.where(on_edge, coords, coords + shift)

    cells = shapely.make_valid(shapely.transform(cells, bend))
    # Communities: grids clustered by their seed's position on a 10 x 10 lattice.
    centroids = shapely.get_coordinates(shapely.centroid(cells))
    lattice = np.floor((centroids - ORIGIN) / (SIDE_DEG / 10)).clip(0, 9).astype(int)
    community_of = lattice[:, 1] * 10 + lattice[:, 0]
    codes = [f"BM{c:03d}" for c in range(COMMUNITIES)]
    grid_ids = [f"{codes[c]}-{i:04d}" for i, c in enumerate(community_of)]
    grids = gpd.GeoDataFrame({"网格编码": grid_ids}, geometry=cells, crs="EPSG:4326")
    communities = grids.assign(社区编码=[codes[c] for c in community_of]).dissolve("社区编码").reset_index()
    grids.to_file(folder / "网格边界.geojson", driver="GeoJSON")
    communities[["社区编码", "geometry"]].to_file(folder / "社区边界.geojson", driver="GeoJSON")
    with open(folder / "社区名录.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["社区编码", "社区名称", "所属街道", "户数"])
        for c, code in enumerate(codes):
            w.writerow([code, f"第{c + 1}社区", "示范街道", int((community_of == c).sum() * 420)])
    with open(folder / "网格名录.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["网格编码", "网格名称", "所属社区", "户数", "网格长", "专职网格员数", "兼职网格员数"])
        for i, (grid_id, c) in enumerate(zip(grid_ids, community_of, strict=True)):
            w.writerow([grid_id, f"第{i + 1}网格", codes[c], int(rng.integers(300, 520)), "王某", 1, 2])
    return [folder / name for name in ("社区名录.csv", "网格名录.csv", "网格边界.geojson", "社区边界.geojson")]


def sent_bytes(spec: str) -> tuple[int, int]:
    """(bytes of the chart spec, bytes of the static GeoJSON files it refers to): what the browser gets."""
    from streetdash.app.static_files import STATIC_DIR

    urls = {t["geojson"] for t in json.loads(spec)["data"] if isinstance(t.get("geojson"), str)}
    files = sum((STATIC_DIR / url.split("/app/static/", 1)[1]).stat().st_size for url in urls)
    return len(spec.encode("utf-8")), files


def page_times(db: Path) -> tuple[float, float, tuple[int, int], int]:
    """(first render s, median re-render s, (spec bytes, GeoJSON file bytes), grids drawn) of 网格地图."""
    from streamlit.testing.v1 import AppTest

    from bench.bench_dashboard import signed_in

    os.environ["WAREHOUSE_DB"] = str(db)
    at = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300), db.parent)
    at.run()
    start = time.perf_counter()
    at.switch_page("pages/grid_map.py").run()
    first = time.perf_counter() - start
    assert not at.exception, at.exception
    times = []
    picker = at.selectbox(key="map_metric")
    for label in ["办结率", "发布任务数（件）", "每名网格员服务户数（户/人）", "每千户事件数（件/千户）"]:
        picker.select_index(picker.options.index(label))
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        assert not at.exception, at.exception
    for period in ["上月", "本年"]:
        at.sidebar.radio[0].set_value(period)
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    spec = at.get("plotly_chart")[0].proto.spec
    drawn = len(json.loads(spec)["data"][0]["locations"])
    return first, statistics.median(times), sent_bytes(spec), drawn


def bench_map(rows: int = 0) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="bench-map-") as tmp:
        tmp = Path(tmp)
        files = write_city(tmp / "city")
        db = tmp / "city.duckdb"
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "etl", "load", *map(str, files), "--db", str(db), "--quiet"], cwd=ROOT, check=True
        )
        load = time.perf_counter() - start
        first, rerun, size, drawn = page_times(db)
    mb = sum(size) / 1e6
    return [
        {
            "benchmark": f"网格地图：{drawn:,} 个网格，改变着色指标或时间后重新渲染（服务器端，中位数）",
            "reference": f"首次渲染 {first:.2f} s；导入边界并做网格检查 {load:.1f} s",
            "measured": f"{rerun:.2f} s",
            "ratio": "",
            "goal": f"< {GOAL_SECONDS:g} s",
            "result": "PASS" if rerun < GOAL_SECONDS else "FAIL",
        },
        {
            "benchmark": f"网格地图：发送到浏览器的数据（{drawn:,} 个网格：图表 + 边界 GeoJSON 文件）",
            "reference": f"图表 {size[0] / 1e6:.2f} MB，GeoJSON {size[1] / 1e6:.2f} MB（浏览器缓存，改变指标或时间不再下载）",
            "measured": f"{mb:.2f} MB",
            "ratio": "",
            "goal": f"< {GOAL_MB:g} MB",
            "result": "PASS" if mb < GOAL_MB else "FAIL",
        },
    ]
