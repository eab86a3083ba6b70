"""Grid checks that need geometry, computed with geopandas at load time and stored in the warehouse.

After every load (inside the batch's transaction) the boundaries are analysed afresh:

- ``grid_shapes``: each grid with a boundary, its area, the part reaching outside its community, its
  centroid, and a display geometry simplified for the map (topology kept, see ``DISPLAY_TOLERANCE``);
- ``community_shapes``: each community with a boundary, its area and the part its own grids cover;
- ``grid_gaps``: the pieces of a community its grids leave uncovered (area and polygon);
- ``grid_overlaps``: pairs of grids whose polygons overlap (area, share of the smaller, polygon);
- ``task_grid_matches``: tasks with coordinates but no grid, given the grid of their community
  they lie in (spatial join).

Areas are computed in a Lambert azimuthal equal-area projection centred on the data, so a square metre
is a square metre whatever the latitude. The checks that are not geometric (oversized grids, grids
without a leader, households per staff) are SQL over the grid list; the view ``grid_checks`` lists
both kinds side by side (``etl/sql/20_marts/grid_checks.sql``). The module imports geopandas only
when there are boundaries, so loading spreadsheets alone stays as fast as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
import numpy as np

from streetdash.config import setting
from streetdash.geo import geometries_from_wkb

if TYPE_CHECKING:  # pandas (like geopandas) is imported only when there are boundaries: a load of
    import pandas as pd  # spreadsheets alone starts as fast as before (bench: python -m etl load)

# Pieces smaller than this are drawing noise (a misplaced vertex), not a gap or an overlap.
MIN_AREA_M2 = 1.0
# METRICS.md: a pair of grids overlaps when they share more than 1% of the smaller one; a grid
# reaches outside its community by the same measure.
SHARE_THAT_COUNTS = 0.01
# A coverage gap smaller than a parking space is no place a household lives in.
MIN_GAP_M2 = 10.0
# Display geometry in two levels of detail: about 1 m (a street or a few communities on screen) and
# about 50 m (a whole city: at 30 km across 500 px a pixel is 60 m), so a city of 5,000 grids stays
# small enough to send to a browser. The map picks one by size (streetdash/maps.py).
DISPLAY_TOLERANCE = 1e-5
OVERVIEW_TOLERANCE = 5e-4
LISTED = 8  # how many grid codes a note lists before "等"

GRID_CHECK_TABLES = """
CREATE TABLE IF NOT EXISTS grid_shapes (
    grid_id VARCHAR, community_id VARCHAR, area_m2 DOUBLE, outside_community_m2 DOUBLE,
    reaches_outside BOOLEAN, centroid_lon DOUBLE, centroid_lat DOUBLE, display_geometry BLOB, overview_geometry BLOB
);
CREATE TABLE IF NOT EXISTS community_shapes (
    community_id VARCHAR, area_m2 DOUBLE, covered_m2 DOUBLE, display_geometry BLOB, overview_geometry BLOB
);
CREATE TABLE IF NOT EXISTS grid_gaps (
    community_id VARCHAR, gap_no BIGINT, area_m2 DOUBLE, centroid_lon DOUBLE, centroid_lat DOUBLE,
    geometry BLOB
);
CREATE TABLE IF NOT EXISTS grid_overlaps (
    grid_id_a VARCHAR, grid_id_b VARCHAR, area_m2 DOUBLE, share_of_smaller DOUBLE, counts_as_overlap BOOLEAN,
    centroid_lon DOUBLE, centroid_lat DOUBLE, geometry BLOB
);
CREATE TABLE IF NOT EXISTS task_grid_matches (task_id VARCHAR, grid_id VARCHAR, in_overlap BOOLEAN);
"""
RESULT_TABLES = ("grid_shapes", "community_shapes", "grid_gaps", "grid_overlaps", "task_grid_matches")


@dataclass
class GridGeometry:
    """The geometric facts of a set of grids and communities (WGS-84 geometries, areas in m²)."""

    grid_shapes: pd.DataFrame
    community_shapes: pd.DataFrame
    gaps: pd.DataFrame
    overlaps: pd.DataFrame


def equal_area_crs(frames) -> str:
    """A Lambert azimuthal equal-area projection centred on the data (PROJ string)."""
    bounds = np.array([f.total_bounds for f in frames if len(f)])
    lon = (bounds[:, 0].min() + bounds[:, 2].max()) / 2
    lat = (bounds[:, 1].min() + bounds[:, 3].max()) / 2
    return f"+proj=laea +lat_0={lat:.6f} +lon_0={lon:.6f} +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"


def analyse(grids, communities) -> GridGeometry:
    """Areas, coverage, gaps and overlaps of grids within their communities.

    Set operations (difference, union, intersection) run on the WGS-84 geometries, where the files'
    vertices and straight edges are; only the resulting areas are measured in an equal-area
    projection. (Projecting first would bend a long edge and its neighbour's shorter edges along the
    same line differently, and report slivers that are not in the data.)

    Parameters
    ----------
    grids : GeoDataFrame in WGS-84 with ``grid_id``, ``community_id`` and polygon geometry.
    communities : GeoDataFrame in WGS-84 with ``community_id`` and polygon geometry.

    Returns
    -------
    GridGeometry whose frames carry WGS-84 shapely geometries (``geometry``, ``display_geometry``).
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    metric = equal_area_crs([grids, communities])

    def area(geometries) -> np.ndarray:
        return gpd.GeoSeries(np.asarray(geometries, dtype=object), crs="EPSG:4326").to_crs(metric).area.to_numpy()

    g = grids.reset_index(drop=True)
    c = communities.reset_index(drop=True)
    community_geom = dict(zip(c["community_id"], c.geometry, strict=True))

    # Grids: area, and the part outside their own community (where its boundary is known).
    own = np.array([community_geom.get(cid) for cid in g["community_id"]], dtype=object)
    known = np.array([o is not None for o in own])
    outside = np.full(len(g), np.nan)
    if known.any():
        outside[known] = area(shapely.difference(g.geometry.values[known], own[known]))
    grid_area = area(g.geometry.values)
    outside = np.where(outside < MIN_AREA_M2, 0.0, outside)
    grid_shapes = pd.DataFrame(
        {
            "grid_id": g["grid_id"],
            "community_id": g["community_id"],
            "area_m2": grid_area,
            "outside_community_m2": outside,
        }
    )
    outside_share = grid_shapes["outside_community_m2"] / grid_shapes["area_m2"]
    # Unknown (NULL) where the community has no boundary to reach outside of.
    grid_shapes["reaches_outside"] = (outside_share > SHARE_THAT_COUNTS).astype("boolean").mask(outside_share.isna())
    _centroids(grid_shapes, g.geometry.values, metric)
    grid_shapes["display_geometry"] = _display(g.geometry.values, DISPLAY_TOLERANCE)
    grid_shapes["overview_geometry"] = _display(g.geometry.values, OVERVIEW_TOLERANCE)

    # Communities: the part their own grids cover, and the pieces they leave uncovered.
    union_by_community = g.dissolve(by="community_id").geometry if len(g) else {}
    uncovered, gap_pieces, gap_communities = [], [], []
    for cid, geom in zip(c["community_id"], c.geometry, strict=True):
        grids_union = union_by_community.get(cid)
        if grids_union is None:
            # No grid of this community has a boundary yet: coverage unknown, not 0% and one big gap.
            uncovered.append(None)
            continue
        rest = geom.difference(grids_union)
        uncovered.append(_polygonal_part(rest))
        pieces = [p for p in shapely.get_parts(rest) if p.geom_type == "Polygon"]
        gap_pieces += pieces
        gap_communities += [cid] * len(pieces)
    community_area = area(c.geometry.values)
    # Covered = the whole less what no grid covers: a community with no gap is covered exactly 100%.
    community_shapes = pd.DataFrame(
        {
            "community_id": c["community_id"],
            "area_m2": community_area,
            "covered_m2": community_area - area([shapely.Polygon() if u is None else u for u in uncovered]),
        }
    )
    community_shapes.loc[[u is None for u in uncovered], "covered_m2"] = np.nan
    community_shapes["display_geometry"] = _display(c.geometry.values, DISPLAY_TOLERANCE)
    community_shapes["overview_geometry"] = _display(c.geometry.values, OVERVIEW_TOLERANCE)
    gaps = pd.DataFrame({"community_id": gap_communities, "area_m2": area(gap_pieces), "geometry": gap_pieces})
    gaps = gaps[gaps["area_m2"] >= MIN_GAP_M2].sort_values(["community_id", "area_m2"], ascending=[True, False])
    gaps.insert(1, "gap_no", gaps.groupby("community_id").cumcount() + 1)
    _centroids(gaps, gaps["geometry"].to_numpy(), metric)

    # Overlaps: candidate pairs by bounding box, then the true intersection.
    pairs = gpd.sjoin(g[["grid_id", "geometry"]], g[["grid_id", "geometry"]], predicate="intersects")
    pairs = pairs[pairs["grid_id_left"] < pairs["grid_id_right"]]
    shared = np.array(
        [
            _polygonal_part(x)
            for x in shapely.intersection(
                g.geometry.values[pairs.index.to_numpy()], g.geometry.values[pairs["index_right"].to_numpy()]
            )
        ],
        dtype=object,
    )
    shared_area = area(shared)
    smaller = np.minimum(grid_area[pairs.index.to_numpy()], grid_area[pairs["index_right"].to_numpy()])
    keep = shared_area >= MIN_AREA_M2
    overlaps = pd.DataFrame(
        {
            "grid_id_a": pairs["grid_id_left"].to_numpy()[keep],
            "grid_id_b": pairs["grid_id_right"].to_numpy()[keep],
            "area_m2": shared_area[keep],
            "share_of_smaller": shared_area[keep] / smaller[keep],
            "counts_as_overlap": shared_area[keep] / smaller[keep] > SHARE_THAT_COUNTS,
            "geometry": shared[keep],
        }
    ).sort_values(["grid_id_a", "grid_id_b"], ignore_index=True)
    _centroids(overlaps, overlaps["geometry"].to_numpy(), metric)
    return GridGeometry(grid_shapes, community_shapes, gaps.reset_index(drop=True), overlaps)


def _polygonal_part(geom):
    """An intersection may hold lines and points where edges touch: only its area matters."""
    import shapely

    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _centroids(frame: pd.DataFrame, geometries, metric: str) -> None:
    """Centroid lon/lat columns, taken in the equal-area projection (the true centre of the area)."""
    import geopandas as gpd

    projected = gpd.GeoSeries(np.asarray(geometries, dtype=object), crs="EPSG:4326").to_crs(metric)
    points = projected.centroid.to_crs("EPSG:4326")
    frame["centroid_lon"] = points.x.to_numpy()
    frame["centroid_lat"] = points.y.to_numpy()


def _display(geometries, tolerance: float) -> np.ndarray:
    """Geometries simplified for the map with shared edges kept shared (a coverage simplification).

    Simplifying polygon by polygon would open slivers between neighbours; ``coverage_simplify``
    moves each shared edge once for both. Overlapping input (the very thing the checks report) is
    not a valid coverage, so the polygons are then simplified one by one instead.
    """
    import shapely

    geometries = np.asarray(geometries, dtype=object)
    if len(geometries) == 0:
        return geometries
    simplified = shapely.coverage_simplify(geometries, tolerance)
    if not shapely.is_valid(simplified).all() or shapely.is_empty(simplified).any():
        simplified = shapely.simplify(geometries, tolerance, preserve_topology=True)
    return simplified


def match_tasks_to_grids(tasks: pd.DataFrame, grids) -> pd.DataFrame:
    """Grids for tasks with coordinates but no grid: the grid of the task's own community it lies in.

    ``tasks`` has task_id, community_id, lon, lat (WGS-84); ``grids`` is a GeoDataFrame in WGS-84 with
    grid_id and community_id. Where overlapping grids both hold the point, the lowest code is taken
    and ``in_overlap`` says so. Tasks outside every grid of their community are left unmatched.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    columns = ["task_id", "grid_id", "in_overlap"]
    if tasks.empty or grids.empty:
        return pd.DataFrame(columns=columns)
    points = gpd.GeoDataFrame(
        tasks[["task_id", "community_id"]], geometry=gpd.points_from_xy(tasks["lon"], tasks["lat"]), crs="EPSG:4326"
    )
    # ``intersects``: a point on the edge two grids share belongs to one of them (the lower code);
    # it lies "in an overlap" only when it is inside both.
    joined = gpd.sjoin(points, grids[["grid_id", "community_id", "geometry"]], predicate="intersects")
    joined = joined[joined["community_id_left"] == joined["community_id_right"]]
    inside = shapely.within(joined.geometry.values, grids.geometry.values[joined["index_right"].to_numpy()])
    joined = joined.assign(inside=inside).sort_values(["task_id", "grid_id"])
    insides = joined.groupby("task_id")["inside"].transform("sum")
    first = joined.assign(in_overlap=insides > 1).drop_duplicates("task_id")
    return first[columns].reset_index(drop=True)


def refresh_grid_checks(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Recompute every grid-check table from the boundaries on ``con``; returns notes in Chinese.

    Called by the loader inside its transaction, after the batch's sheets and before the models.
    """
    for table in RESULT_TABLES:
        con.execute(f"DELETE FROM {table}")
    boundaries = con.execute(
        "SELECT (SELECT count(*) FROM grid_boundaries), (SELECT count(*) FROM community_boundaries)"
    ).fetchall()[0]
    if not any(boundaries):
        return []
    import geopandas as gpd

    def frame(sql: str):
        data = con.execute(sql).df()
        geometry = geometries_from_wkb(data.pop("geometry"))
        return gpd.GeoDataFrame(data, geometry=geometry, crs="EPSG:4326")

    grids = frame("SELECT b.grid_id, g.community_id, b.geometry FROM grid_boundaries b JOIN grids g USING (grid_id)")
    communities = frame("SELECT community_id, geometry FROM community_boundaries")
    found = analyse(grids, communities)
    tasks = con.execute(
        "SELECT task_id, community_id, lon, lat FROM tasks WHERE grid_id IS NULL AND lon IS NOT NULL AND lat IS NOT NULL"
    ).df()
    if setting("TASK_COORDINATES_CRS").lower() == "gcj02" and not tasks.empty:
        from streetdash.geo import gcj02_to_wgs84

        tasks[["lon", "lat"]] = gcj02_to_wgs84(tasks[["lon", "lat"]].to_numpy())
    matches = match_tasks_to_grids(tasks, grids)
    _write(con, "grid_shapes", found.grid_shapes)
    _write(con, "community_shapes", found.community_shapes)
    _write(con, "grid_gaps", found.gaps)
    _write(con, "grid_overlaps", found.overlaps)
    _write(con, "task_grid_matches", matches)
    return _notes(con, found, tasks, matches)


def _write(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    import shapely

    frame = frame.copy()
    for column in ("geometry", "display_geometry", "overview_geometry"):
        if column in frame:
            frame[column] = [None if g is None else shapely.to_wkb(g) for g in frame[column]]
    if frame.empty:
        return
    columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    con.register("grid_check_rows", frame[columns])
    con.execute(f"INSERT INTO {table} SELECT * FROM grid_check_rows")
    con.unregister("grid_check_rows")


def _listed(codes: list[str]) -> str:
    return "、".join(codes[:LISTED]) + (f" 等 {len(codes)} 个" if len(codes) > LISTED else "")


def _notes(
    con: duckdb.DuckDBPyConnection, found: GridGeometry, tasks: pd.DataFrame, matches: pd.DataFrame
) -> list[str]:
    notes = []
    without = [
        r[0]
        for r in con.execute(
            "SELECT grid_id FROM grids WHERE grid_id NOT IN (SELECT grid_id FROM grid_boundaries) ORDER BY grid_id"
        ).fetchall()
    ]
    if without:
        notes.append(f"网格名录中有 {len(without)} 个网格没有边界：{_listed(without)}")
    no_outline = sorted(set(found.grid_shapes["community_id"]) - set(found.community_shapes["community_id"]))
    if no_outline:
        notes.append(
            f"{len(no_outline)} 个社区有网格边界但没有社区边界，无法计算面积覆盖率和覆盖空白：{_listed(no_outline)}"
        )
    if len(found.gaps):
        notes.append(f"覆盖空白 {len(found.gaps)} 处，共 {found.gaps['area_m2'].sum():,.0f} 平方米")
    overlapping = found.overlaps[found.overlaps["counts_as_overlap"]]
    if len(overlapping):
        notes.append(f"网格重叠 {len(overlapping)} 对（重叠超过较小网格面积的 1%）")
    reaching = found.grid_shapes[found.grid_shapes["reaches_outside"].fillna(False).astype(bool)]
    if len(reaching):
        notes.append(f"超出所属社区边界的网格 {len(reaching)} 个：{_listed(sorted(reaching['grid_id']))}")
    if len(tasks):
        unmatched = len(tasks) - len(matches)
        text = f"按坐标为 {len(matches)} 条未填网格的任务匹配了网格"
        if unmatched:
            text += f"，{unmatched} 条的坐标不在本社区任何网格内"
        if matches["in_overlap"].any():
            text += f"，{int(matches['in_overlap'].sum())} 条落在重叠区域（取编码较小的网格）"
        notes.append(text)
    return notes
