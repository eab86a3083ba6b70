"""Grid checks (issue 6): gaps, overlaps and grids outside their community, measured against areas on the
WGS-84 ellipsoid (pyproj.Geod), not against the loader's own projection; the ``grid_checks`` view and the
area metrics after a load; tasks without a grid matched to one by their coordinates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from etl.grid_checks import analyse, match_tasks_to_grids
from etl.load import load_paths
from streetdash.geo import wgs84_to_gcj02
from tests.etl.test_boundaries import geodesic_area_m2, query, square, write_geojson
from tests.ledgers import GRIDS, write_base, write_csv

AREA_TOLERANCE = 0.005  # 0.5%: the loader's equal-area projection against geodesic areas


def frames(grids: dict[str, tuple[str, object]], communities: dict[str, object]):
    """GeoDataFrames as ``analyse`` takes them: grid -> (community, polygon), community -> polygon."""
    grid_frame = gpd.GeoDataFrame(
        {"grid_id": list(grids), "community_id": [c for c, _ in grids.values()]},
        geometry=[g for _, g in grids.values()],
        crs="EPSG:4326",
    )
    community_frame = gpd.GeoDataFrame(
        {"community_id": list(communities)}, geometry=list(communities.values()), crs="EPSG:4326"
    )
    return grid_frame, community_frame


# ---------------------------------------------------------------------------------------------
# analyse() on hand-made polygons

# C1: A and B overlap along a strip, and leave its north-east corner uncovered.
# C2: tiled by C and D, which overlap by a sliver under 1% of the smaller; D reaches 0.001° east of C2.
# C3: F covers all but a 2 m x 2 m notch, too small to be a gap.
C1 = square(114.300, 30.600, 114.310, 30.610)
C2 = square(114.310, 30.600, 114.320, 30.610)
C3 = square(114.300, 30.590, 114.310, 30.600)
A = square(114.300, 30.600, 114.305, 30.610)
B = square(114.3045, 30.600, 114.310, 30.606)
C = square(114.310, 30.600, 114.315, 30.610)
D = square(114.31499, 30.600, 114.321, 30.610)
NOTCH = square(114.30998, 30.59998, 114.310, 30.600)
F = C3.difference(NOTCH)
# What the checks should find, drawn independently of the grids above.
GAP_C1 = square(114.305, 30.606, 114.310, 30.610)
OVERLAP_AB = square(114.3045, 30.600, 114.305, 30.606)
OVERLAP_CD = square(114.31499, 30.600, 114.315, 30.610)
OUTSIDE_D = square(114.320, 30.600, 114.321, 30.610)


@pytest.fixture(scope="module")
def found():
    grids, communities = frames(
        {"A": ("C1", A), "B": ("C1", B), "C": ("C2", C), "D": ("C2", D), "F": ("C3", F), "X": ("C9", A)},
        {"C1": C1, "C2": C2, "C3": C3},
    )
    return analyse(grids, communities)


def test_gap_is_found_with_its_area(found):
    gaps = found.gaps
    assert list(gaps["community_id"]) == ["C1"]  # C3's 4 m² notch is drawing noise, not a gap
    gap = gaps.iloc[0]
    assert gap["gap_no"] == 1
    assert gap["area_m2"] == pytest.approx(geodesic_area_m2(GAP_C1), rel=AREA_TOLERANCE)
    assert gap["area_m2"] > 100_000  # about 480 m x 440 m: the sizes are what they seem
    assert gap["geometry"].equals(GAP_C1)
    centre = GAP_C1.centroid
    assert (gap["centroid_lon"], gap["centroid_lat"]) == pytest.approx((centre.x, centre.y), abs=1e-5)


def test_community_coverage(found):
    shapes = found.community_shapes.set_index("community_id")
    for code, polygon in [("C1", C1), ("C2", C2), ("C3", C3)]:
        assert shapes.loc[code, "area_m2"] == pytest.approx(geodesic_area_m2(polygon), rel=AREA_TOLERANCE)
    c1 = shapes.loc["C1"]
    assert c1["area_m2"] - c1["covered_m2"] == pytest.approx(geodesic_area_m2(GAP_C1), rel=AREA_TOLERANCE)
    # Tiled exactly (an overlap and a grid reaching out do not count twice or beyond the community).
    assert shapes.loc["C2", "covered_m2"] == shapes.loc["C2", "area_m2"]
    # The notch is not listed, but it is not covered either.
    c3 = shapes.loc["C3"]
    assert c3["area_m2"] - c3["covered_m2"] == pytest.approx(geodesic_area_m2(NOTCH), rel=0.01)
    assert 3 < geodesic_area_m2(NOTCH) < 10


def test_overlaps_are_found_with_area_and_share_of_smaller(found):
    overlaps = found.overlaps.set_index(["grid_id_a", "grid_id_b"])
    assert set(overlaps.index) == {("A", "B"), ("C", "D"), ("A", "X"), ("B", "X")}
    ab = overlaps.loc[("A", "B")]
    expected = geodesic_area_m2(OVERLAP_AB)
    assert ab["area_m2"] == pytest.approx(expected, rel=AREA_TOLERANCE)
    assert ab["share_of_smaller"] == pytest.approx(expected / geodesic_area_m2(B), rel=AREA_TOLERANCE)
    assert ab["counts_as_overlap"]
    assert ab["geometry"].equals(OVERLAP_AB)
    # C and D share a 1 m strip: 0.2% of C, recorded but under the 1% that makes it an overlap.
    cd = overlaps.loc[("C", "D")]
    assert cd["area_m2"] == pytest.approx(geodesic_area_m2(OVERLAP_CD), rel=AREA_TOLERANCE)
    assert cd["share_of_smaller"] == pytest.approx(geodesic_area_m2(OVERLAP_CD) / geodesic_area_m2(C), rel=0.01)
    assert cd["share_of_smaller"] < 0.01 and not cd["counts_as_overlap"]
    # Grids of different communities that overlap are found too (X is drawn on A).
    assert overlaps.loc[("A", "X"), "share_of_smaller"] == pytest.approx(1.0)
    assert overlaps.loc[("B", "X"), "area_m2"] == pytest.approx(ab["area_m2"])
    # Grids that only share an edge (A and C, B and C) are no overlap.
    assert ("B", "C") not in overlaps.index and ("A", "C") not in overlaps.index


def test_grid_reaching_outside_its_community(found):
    shapes = found.grid_shapes.set_index("grid_id")
    assert shapes.loc["D", "outside_community_m2"] == pytest.approx(geodesic_area_m2(OUTSIDE_D), rel=AREA_TOLERANCE)
    assert shapes.loc["D", "reaches_outside"]
    for inside in ["A", "B", "C", "F"]:
        assert shapes.loc[inside, "outside_community_m2"] == 0 and not shapes.loc[inside, "reaches_outside"]
    # C9 has no boundary: whether X reaches outside it is unknown, not "no".
    assert np.isnan(shapes.loc["X", "outside_community_m2"]) and pd.isna(shapes.loc["X", "reaches_outside"])
    for code, polygon in [("A", A), ("D", D), ("F", F)]:
        assert shapes.loc[code, "area_m2"] == pytest.approx(geodesic_area_m2(polygon), rel=AREA_TOLERANCE)


def test_tiled_community_has_no_slivers_from_projection():
    """A 10 km community tiled by a 4 x 4 lattice whose cells put vertices along the community's long
    straight edges: projected first, those edges bend differently and leave slivers; they must not."""
    xs = [114.2 + i * 0.025 for i in range(5)]
    ys = [30.5 + j * 0.025 for j in range(5)]
    community = square(xs[0], ys[0], xs[4], ys[4])
    cells = {f"G{i}{j}": ("C1", square(xs[i], ys[j], xs[i + 1], ys[j + 1])) for i in range(4) for j in range(4)}
    result = analyse(*frames(cells, {"C1": community}))
    shape = result.community_shapes.iloc[0]
    assert shape["covered_m2"] == pytest.approx(shape["area_m2"], rel=1e-9, abs=0.01)
    assert shape["area_m2"] == pytest.approx(geodesic_area_m2(community), rel=AREA_TOLERANCE)
    assert result.gaps.empty
    assert result.overlaps.empty
    assert (result.grid_shapes["outside_community_m2"] == 0).all()


def test_match_tasks_to_grids_directly():
    grids, _ = frames({"A": ("C1", A), "B": ("C1", B), "X": ("C9", A)}, {})
    tasks = pd.DataFrame(
        {
            "task_id": ["in-a", "in-ab", "in-x-only", "nowhere"],
            "community_id": ["C1", "C1", "C1", "C1"],
            "lon": [114.301, 114.3047, 114.301, 114.400],
            "lat": [30.608, 30.603, 30.608, 30.700],
        }
    )
    tasks.loc[2, "community_id"] = "C2"  # lies in A and X, but belongs to neither's community
    matches = match_tasks_to_grids(tasks, grids)
    assert matches.to_dict("records") == [
        {"task_id": "in-a", "grid_id": "A", "in_overlap": False},
        {"task_id": "in-ab", "grid_id": "A", "in_overlap": True},
    ]


def test_a_point_on_the_edge_two_grids_share_takes_the_lower_code_and_is_no_overlap():
    west = square(114.300, 30.600, 114.305, 30.610)
    east = square(114.305, 30.600, 114.310, 30.610)
    grids, _ = frames({"W": ("C1", west), "E": ("C1", east)}, {})
    tasks = pd.DataFrame({"task_id": ["edge"], "community_id": ["C1"], "lon": [114.305], "lat": [30.605]})
    assert match_tasks_to_grids(tasks, grids).to_dict("records") == [
        {"task_id": "edge", "grid_id": "E", "in_overlap": False}
    ]


def test_a_community_whose_grids_have_no_boundary_has_no_coverage_yet():
    grids, communities = frames({"A": ("C1", A)}, {"C1": C1, "C2": C2})
    found = analyse(grids, communities)
    coverage = found.community_shapes.set_index("community_id")["covered_m2"]
    assert coverage["C1"] > 0 and np.isnan(coverage["C2"])  # unknown, not 0%
    assert set(found.gaps["community_id"]) == {"C1"}  # and C2 is not one community-sized gap


# ---------------------------------------------------------------------------------------------
# Through a load: the street of tests/ledgers.py, with two more grids

EXTRA_GRIDS = [
    ["G5", "新建二网格", "XJ", "300", "900", "王五", "1", "0", "是"],
    ["G6", "永安一网格", "YA", "300", "900", "赵六", "1", "1", "否"],
]
# 崇北 (CB) is tiled by G1 and G2. 新建 (XJ): G3 and G5 overlap along a strip and leave the north-east
# corner uncovered. 永安 (YA) is covered by G6, which reaches 0.0005° north into 崇北, over G1 and G2.
# 古桥 (GQ, the other street) has neither a community boundary nor a polygon for its grid G4.
STREET_COMMUNITIES = {
    "CB": square(114.300, 30.600, 114.310, 30.610),
    "XJ": square(114.310, 30.600, 114.320, 30.610),
    "YA": square(114.300, 30.590, 114.310, 30.600),
}
STREET_GRIDS = {
    "G1": square(114.300, 30.600, 114.305, 30.610),
    "G2": square(114.305, 30.600, 114.310, 30.610),
    "G3": square(114.310, 30.600, 114.315, 30.610),
    "G5": square(114.3145, 30.600, 114.320, 30.608),
    "G6": square(114.300, 30.590, 114.310, 30.6005),
}
STREET_GAP = square(114.315, 30.608, 114.320, 30.610)
STREET_OVERLAPS = {
    ("G1", "G6"): square(114.300, 30.600, 114.305, 30.6005),
    ("G2", "G6"): square(114.305, 30.600, 114.310, 30.6005),
    ("G3", "G5"): square(114.3145, 30.600, 114.315, 30.608),
}
G6_OUTSIDE = square(114.300, 30.600, 114.310, 30.6005)
PERIOD = (dt.date(2022, 1, 1), dt.date(2022, 12, 31))


def write_street(folder: Path) -> list[Path]:
    """The lists (with G5 and G6) and the street's boundary files."""
    communities, _ = write_base(folder)
    grids = write_csv(folder / "网格名录.csv", GRIDS + EXTRA_GRIDS)
    return [
        communities,
        grids,
        write_geojson(folder / "网格边界.geojson", [({"网格编码": c}, g) for c, g in STREET_GRIDS.items()]),
        write_geojson(folder / "社区边界.geojson", [({"社区编码": c}, g) for c, g in STREET_COMMUNITIES.items()]),
    ]


@pytest.fixture(scope="module")
def street_db(tmp_path_factory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("street")
    db = root / "w.duckdb"
    result = load_paths(write_street(root / "ledgers"), db=db)
    assert result.exit_code == 0 and result.rejected == []
    return db, result


def test_load_notes_summarise_the_checks(street_db):
    _, result = street_db
    gap = geodesic_area_m2(STREET_GAP)
    assert result.notes[0] == "网格名录中有 1 个网格没有边界：G4"
    assert result.notes[1].startswith("覆盖空白 1 处，共 ") and result.notes[1].endswith(" 平方米")
    noted = float(result.notes[1].removeprefix("覆盖空白 1 处，共 ").removesuffix(" 平方米").replace(",", ""))
    assert noted == pytest.approx(gap, rel=AREA_TOLERANCE)
    assert result.notes[2:] == ["网格重叠 3 对（重叠超过较小网格面积的 1%）", "超出所属社区边界的网格 1 个：G6"]


def test_grid_checks_view_lists_the_geometric_problems(street_db):
    db, _ = street_db
    rows = query(
        db,
        "SELECT street, community_id, grid_id, problem, area_m2 FROM grid_checks"
        " WHERE problem IN ('覆盖空白', '网格重叠', '超出社区边界', '缺少边界')",
    )
    assert [r[:4] for r in rows] == [
        ("崇文街道", "XJ", None, "覆盖空白"),
        # Within one community a pair is one row; across two communities, one row in each.
        ("崇文街道", "CB", "G1", "网格重叠"),
        ("崇文街道", "CB", "G2", "网格重叠"),
        ("崇文街道", "XJ", "G3", "网格重叠"),
        ("崇文街道", "YA", "G6", "网格重叠"),
        ("崇文街道", "YA", "G6", "网格重叠"),
        ("崇文街道", "YA", "G6", "超出社区边界"),
        ("许庄街道", "GQ", "G4", "缺少边界"),
    ]
    areas = {(r[2], r[3]): r[4] for r in rows}
    assert areas[(None, "覆盖空白")] == pytest.approx(geodesic_area_m2(STREET_GAP), rel=AREA_TOLERANCE)
    assert areas[("G3", "网格重叠")] == pytest.approx(
        geodesic_area_m2(STREET_OVERLAPS[("G3", "G5")]), rel=AREA_TOLERANCE
    )
    assert areas[("G6", "超出社区边界")] == pytest.approx(geodesic_area_m2(G6_OUTSIDE), rel=AREA_TOLERANCE)
    assert areas[("G4", "缺少边界")] is None
    details = dict(query(db, "SELECT problem, detail FROM grid_checks WHERE grid_id = 'G3' OR problem = '覆盖空白'"))
    share = geodesic_area_m2(STREET_OVERLAPS[("G3", "G5")]) / geodesic_area_m2(STREET_GRIDS["G5"])
    assert details["网格重叠"].startswith("与新建二网格（G5）重叠 ")
    assert details["网格重叠"].endswith(f"占较小网格的 {share * 100:.1f}%")
    assert details["覆盖空白"].startswith("第 1 处：") and details["覆盖空白"].endswith(" 平方米不在本社区任何网格内")


def test_grid_rows_without_polygon(street_db):
    db, _ = street_db
    assert query(db, "SELECT grid_id, has_boundary FROM stg_grids ORDER BY grid_id") == [
        ("G1", True),
        ("G2", True),
        ("G3", True),
        ("G4", False),
        ("G5", True),
        ("G6", True),
    ]


def test_area_metrics_by_community_and_street(street_db):
    db, _ = street_db
    by_community = {
        r[0]: r[1:]
        for r in query(
            db, "SELECT community_id, grids_area_coverage, grids_overlaps FROM community_metrics(?, ?)", list(PERIOD)
        )
    }
    xj_coverage = 1 - geodesic_area_m2(STREET_GAP) / geodesic_area_m2(STREET_COMMUNITIES["XJ"])
    assert by_community["CB"] == (1.0, 2)
    assert by_community["XJ"][0] == pytest.approx(xj_coverage, abs=1e-4) and by_community["XJ"][1] == 1
    assert by_community["YA"] == (1.0, 2)
    assert by_community["GQ"] == (None, None)  # no boundaries there: unknown, not 0
    by_street = {
        r[0]: r[1:]
        for r in query(db, "SELECT street, grids_area_coverage, grids_overlaps FROM street_metrics(?, ?)", list(PERIOD))
    }
    total = sum(geodesic_area_m2(p) for p in STREET_COMMUNITIES.values())
    coverage, overlaps = by_street["崇文街道"]
    assert coverage == pytest.approx(1 - geodesic_area_m2(STREET_GAP) / total, abs=1e-4)
    # G1-G6 and G2-G6 belong to both 崇北 and 永安, but the street has 3 pairs, not 2 + 1 + 2.
    assert overlaps == 3
    assert by_street["许庄街道"] == (None, None)


def test_metrics_are_null_without_boundaries(tmp_path):
    db = tmp_path / "w.duckdb"
    result = load_paths(write_base(tmp_path / "ledgers"), db=db)
    assert result.notes == []
    rows = query(db, "SELECT grids_area_coverage, grids_overlaps FROM community_metrics(?, ?)", list(PERIOD))
    assert rows == [(None, None)] * 4
    assert query(db, "SELECT count(*) FROM grid_checks WHERE problem = '缺少边界'") == [(0,)]


# ---------------------------------------------------------------------------------------------
# Tasks with coordinates but no grid

TASK_HEADER = ["任务编号", "所属社区", "网格编码", "任务类别", "任务内容", "发布时间", "状态", "经度", "纬度"]


def task(task_id: str, community: str, grid: str, lon: float | None, lat: float | None) -> list[str]:
    coordinates = ["", ""] if lon is None else [f"{lon:.7f}", f"{lat:.7f}"]
    return [task_id, community, grid, "环境卫生", "清理杂物", "2022-09-01", "待接单", *coordinates]


TASKS = [
    task("T1", "崇北", "", 114.302, 30.605),  # in G1
    task("T2", "崇北", "G2", 114.302, 30.605),  # in G1, but the ledger says G2: the ledger wins
    task("T3", "新建", "", 114.3147, 30.604),  # in G3 and G5 (overlap): the lower code
    task("T4", "崇北", "", 114.302, 30.6002),  # in G1 and in 永安's G6: only its own community counts
    task("T5", "崇北", "", 114.305, 30.595),  # in 永安 (G6 only): no grid of 崇北
    task("T6", "崇北", "", None, None),  # no coordinates: nothing to match
]


def load_tasks(folder: Path, db: Path, rows: list[list[str]]):
    files = write_street(folder)
    return load_paths([*files, write_csv(folder / "任务台账.csv", [TASK_HEADER, *rows])], db=db)


def test_tasks_without_grid_get_the_grid_they_lie_in(tmp_path, monkeypatch):
    monkeypatch.delenv("TASK_COORDINATES_CRS", raising=False)
    db = tmp_path / "w.duckdb"
    result = load_tasks(tmp_path / "ledgers", db, TASKS)
    assert result.rejected == []
    assert query(db, "SELECT task_id, grid_id, grid_source FROM stg_tasks ORDER BY task_id") == [
        ("T1", "G1", "坐标匹配"),
        ("T2", "G2", "台账"),
        ("T3", "G3", "坐标匹配"),
        ("T4", "G1", "坐标匹配"),
        ("T5", None, None),
        ("T6", None, None),
    ]
    assert query(db, "SELECT task_id, grid_id, in_overlap FROM task_grid_matches ORDER BY task_id") == [
        ("T1", "G1", False),
        ("T3", "G3", True),
        ("T4", "G1", False),
    ]
    assert result.notes[-1] == (
        "按坐标为 3 条未填网格的任务匹配了网格，1 条的坐标不在本社区任何网格内，1 条落在重叠区域（取编码较小的网格）"
    )
    # The ledger keeps what was written; the match is a view on top of it.
    assert query(db, "SELECT count(*) FROM tasks WHERE grid_id IS NOT NULL") == [(1,)]
    # Matched tasks count for their grid in the per-grid metrics.
    published = dict(query(db, "SELECT grid_id, tasks_published FROM grid_metrics(?, ?)", list(PERIOD)))
    assert (published["G1"], published["G2"], published["G3"], published["G5"]) == (2, 1, 1, 0)


@pytest.mark.parametrize("setting,grid", [(None, "G2"), ("gcj02", "G1")], ids=["taken-as-wgs84", "gcj02"])
def test_gcj02_task_coordinates_are_converted_first(tmp_path, monkeypatch, setting, grid):
    """A point 50 m inside G1's east edge, as a WeChat mini program records it (GCJ-02): the offset of
    about 520 m east puts the raw coordinates in G2, so the right grid needs the conversion."""
    if setting:
        monkeypatch.setenv("TASK_COORDINATES_CRS", setting)
    else:
        monkeypatch.delenv("TASK_COORDINATES_CRS", raising=False)
    ((lon, lat),) = wgs84_to_gcj02(np.array([[114.3045, 30.605]]))
    assert STREET_GRIDS["G2"].contains(shapely.Point(lon, lat))
    db = tmp_path / "w.duckdb"
    load_tasks(tmp_path / "ledgers", db, [task("T1", "崇北", "", lon, lat)])
    assert query(db, "SELECT grid_id, grid_source FROM stg_tasks") == [(grid, "坐标匹配")]
