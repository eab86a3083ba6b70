"""Boundary files through ``etl load``: formats, coordinate systems, bad geometry, reloads (issue 6).

Every fixture is a small street near Wuhan (114.3 E, 30.6 N, inside the zone of EPSG:4547, CGCS2000
3-degree Gauss-Kruger CM 114E, and of UTM 50N): the community and grid lists of ``tests/ledgers.py``
and boundary files drawn to match their codes, written with geopandas/pyogrio (or by hand, where the
exact bytes matter) and loaded through the real loader.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import mapping

from etl.boundaries import parse_crs
from etl.load import load_paths
from streetdash.geo import wgs84_to_gcj02
from tests.ledgers import write_base
from tests.test_geo import FORMULA_POINTS, distance_m

ROOT = Path(__file__).resolve().parents[2]
WGS84_GEOD = Geod(ellps="WGS84")


def square(west: float, south: float, east: float, north: float) -> shapely.Polygon:
    """A lon/lat rectangle, counter-clockwise from the south-west corner."""
    return shapely.Polygon([(west, south), (east, south), (east, north), (west, north), (west, south)])


# 崇北社区 (CB) is tiled by G1 and G2, 新建社区 (XJ) by G3; G4 (古桥社区) has no polygon.
GRID_POLYGONS = {
    "G1": square(114.300, 30.600, 114.305, 30.610),
    "G2": square(114.305, 30.600, 114.310, 30.610),
    "G3": square(114.310, 30.600, 114.320, 30.610),
}
COMMUNITY_POLYGONS = {
    "CB": square(114.300, 30.600, 114.310, 30.610),
    "XJ": square(114.310, 30.600, 114.320, 30.610),
}
GRID_NAMES = {"G1": "崇北一网格", "G2": "崇北二网格", "G3": "新建一网格"}
COMMUNITY_NAMES = {"CB": "崇北社区", "XJ": "新建社区"}


# ---------------------------------------------------------------------------------------------
# Helpers (test_grid_checks.py uses them too)


def write_geojson(path: Path, features: list[tuple[dict, object]], crs: str | None = None) -> Path:
    """A GeoJSON written byte by byte: (properties, shapely geometry, a GeoJSON dict, or None) per feature."""

    def geometry(g):
        if g is None or isinstance(g, dict):
            return g
        return mapping(g)

    document = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": p, "geometry": geometry(g)} for p, g in features],
    }
    if crs:
        document["crs"] = {"type": "name", "properties": {"name": crs}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def grid_features(polygons: dict = GRID_POLYGONS) -> list[tuple[dict, object]]:
    return [({"网格编码": code, "网格名称": GRID_NAMES.get(code, code)}, g) for code, g in polygons.items()]


def grid_frame(polygons: dict = GRID_POLYGONS, crs="EPSG:4326") -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"网格编码": list(polygons), "网格名称": [GRID_NAMES.get(c, c) for c in polygons]},
        geometry=list(polygons.values()),
        crs="EPSG:4326",
    )
    return frame.to_crs(crs)


def community_frame(polygons: dict = COMMUNITY_POLYGONS, crs="EPSG:4326") -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"社区编码": list(polygons), "社区名称": [COMMUNITY_NAMES.get(c, c) for c in polygons]},
        geometry=list(polygons.values()),
        crs="EPSG:4326",
    )
    return frame.to_crs(crs)


def write_shapefile(frame: gpd.GeoDataFrame, path: Path, encoding: str = "GBK", prj: bool = True) -> list[Path]:
    """A Shapefile as its file set, written in ``encoding`` and, as ArcGIS 9 and many Chinese tools
    leave them, without a .cpg naming that encoding (optionally without a .prj too)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pyogrio.write_dataframe(frame, path, encoding=encoding)
    path.with_suffix(".cpg").unlink(missing_ok=True)
    if not prj:
        path.with_suffix(".prj").unlink()
    return sorted(path.parent.glob(path.stem + ".*"))


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def stored_geometries(db: Path, table: str = "grid_boundaries", key: str = "grid_id") -> dict[str, object]:
    """Code -> shapely geometry of the WKB the warehouse holds."""
    rows = query(db, f"SELECT {key}, geometry FROM {table} ORDER BY {key}")
    return {code: shapely.from_wkb(bytes(wkb)) for code, wkb in rows}


def max_vertex_error_m(got, truth) -> float:
    """The largest distance in metres between corresponding vertices of two versions of a polygon."""
    a = shapely.get_coordinates(shapely.normalize(got))
    b = shapely.get_coordinates(shapely.normalize(truth))
    assert a.shape == b.shape, (got.wkt, truth.wkt)
    return float(distance_m(a, b).max())


def geodesic_area_m2(geometry) -> float:
    """Area on the WGS-84 ellipsoid, independent of the loader's equal-area projection."""
    return abs(WGS84_GEOD.geometry_area_perimeter(geometry)[0])


def sheet(result, file: str, layer: str | None = None):
    return next(s for s in result.sheets if s.file == file and s.sheet == layer)


def assert_street_loaded(db: Path) -> None:
    """The grid and community boundaries of the street, in WGS-84, exactly as drawn."""
    grids = stored_geometries(db)
    assert set(grids) == set(GRID_POLYGONS)
    for code, truth in GRID_POLYGONS.items():
        assert shapely.equals_exact(shapely.normalize(grids[code]), shapely.normalize(truth), 1e-9), code
    communities = stored_geometries(db, "community_boundaries", "community_id")
    assert set(communities) == set(COMMUNITY_POLYGONS)
    for code, truth in COMMUNITY_POLYGONS.items():
        assert shapely.equals_exact(shapely.normalize(communities[code]), shapely.normalize(truth), 1e-9), code


@pytest.fixture
def street(tmp_path: Path) -> Path:
    """A folder holding the community and grid lists."""
    write_base(tmp_path / "ledgers")
    return tmp_path / "ledgers"


# ---------------------------------------------------------------------------------------------
# Formats


def test_geojson_grids_and_communities_by_name(street, tmp_path):
    grids = write_geojson(tmp_path / "网格边界.geojson", grid_features())
    # Communities named, not coded: 社区名称 is looked up in the community list like a ledger's 所属社区.
    communities = write_geojson(
        tmp_path / "社区边界.geojson", [({"社区名称": COMMUNITY_NAMES[c]}, g) for c, g in COMMUNITY_POLYGONS.items()]
    )
    db = tmp_path / "w.duckdb"
    result = load_paths([street, grids, communities], db=db)
    assert result.exit_code == 0 and result.committed and result.rejected == []
    g = sheet(result, "网格边界.geojson")
    assert (g.kind, g.rows_read, g.inserted, g.rejected, g.status) == ("grid_boundaries", 3, 3, 0, "ok")
    assert g.message == "坐标系 EPSG:4326（WGS 84）"
    assert sheet(result, "社区边界.geojson").kind == "community_boundaries"
    assert_street_loaded(db)
    # Provenance like any ledger row: the feature number is the source row.
    assert query(db, "SELECT grid_id, source_file, source_row FROM grid_boundaries ORDER BY grid_id") == [
        ("G1", "网格边界.geojson", 1),
        ("G2", "网格边界.geojson", 2),
        ("G3", "网格边界.geojson", 3),
    ]


def test_shapefile_gbk_without_cpg(street, tmp_path):
    grid_files = write_shapefile(grid_frame(), tmp_path / "shp" / "网格边界.shp")
    write_shapefile(community_frame(), tmp_path / "shp" / "社区边界.shp")
    assert [p.suffix for p in grid_files] == [".dbf", ".prj", ".shp", ".shx"]
    dbf = (tmp_path / "shp" / "网格边界.dbf").read_bytes()
    # Really GBK: the header and a value are there in GBK bytes, and the file is not valid UTF-8.
    assert "网格编码".encode("gbk") in dbf and "崇北一网格".encode("gbk") in dbf
    with pytest.raises(UnicodeDecodeError):
        dbf.decode("utf-8")
    db = tmp_path / "w.duckdb"
    result = load_paths([street, tmp_path / "shp" / "网格边界.shp", tmp_path / "shp" / "社区边界.shp"], db=db)
    assert result.exit_code == 0 and result.rejected == []
    g = sheet(result, "网格边界.shp")
    assert (g.kind, g.inserted, g.status) == ("grid_boundaries", 3, "ok")
    assert "网格名称" not in g.message  # an ignored property is not a problem
    assert_street_loaded(db)


def test_zipped_shapefiles_with_gbk_member_names(street, tmp_path):
    """Two Shapefiles in one zip, made the way Windows' 发送到压缩文件夹 makes them: member names in
    GBK without the UTF-8 flag, which Python's zipfile (and GDAL) read as CP437."""
    files = write_shapefile(grid_frame(), tmp_path / "shp" / "网格边界.shp") + write_shapefile(
        community_frame(), tmp_path / "shp" / "社区边界.shp"
    )
    # zipfile writes non-ASCII names as UTF-8 and flags them: write ASCII stand-ins of the same
    # length, then put the GBK bytes in their place (names are outside the checksummed data).
    stand_ins = {"网格边界": b"GRIDGRID", "社区边界": b"COMMCOMM"}
    archive = tmp_path / "边界.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for f in files:
            out.writestr(stand_ins[f.stem].decode() + f.suffix, f.read_bytes())
    data = archive.read_bytes()
    for name, stand_in in stand_ins.items():
        assert len(name.encode("gbk")) == len(stand_in) and data.count(stand_in) == 8  # 4 files x 2 headers
        data = data.replace(stand_in, name.encode("gbk"))
    archive.write_bytes(data)
    with zipfile.ZipFile(archive) as check:
        assert check.testzip() is None
        assert not any(i.flag_bits & 0x800 for i in check.infolist())
        assert "网格边界.shp".encode("gbk").decode("cp437") in check.namelist()
    db = tmp_path / "w.duckdb"
    result = load_paths([street, archive], db=db)
    assert result.exit_code == 0 and result.rejected == []
    # Each layer is reported under the name its author gave it, not as mojibake.
    layers = {s.sheet: s.kind for s in result.sheets if s.file == "边界.zip"}
    assert layers == {"网格边界": "grid_boundaries", "社区边界": "community_boundaries"}
    assert_street_loaded(db)


def test_zipped_utf8_shapefile_in_a_subfolder(street, tmp_path):
    # A .dbf field name has 10 bytes, too few for 网格编码 in UTF-8: such files use an English name.
    frame = grid_frame().rename(columns={"网格编码": "grid_code", "网格名称": "name"})
    files = write_shapefile(frame, tmp_path / "shp" / "grids.shp", encoding="UTF-8")
    archive = tmp_path / "grids.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for f in files:
            out.write(f, f"导出/{f.name}")
    db = tmp_path / "w.duckdb"
    result = load_paths([street, archive], db=db)
    assert sheet(result, "grids.zip", "grids").inserted == 3
    assert set(stored_geometries(db)) == set(GRID_POLYGONS)


def test_geopackage_with_a_grid_and_a_community_layer(street, tmp_path):
    package = tmp_path / "边界.gpkg"
    pyogrio.write_dataframe(grid_frame(), package, layer="网格")
    pyogrio.write_dataframe(community_frame(), package, layer="社区")
    assert {name for name, _ in pyogrio.list_layers(package)} == {"网格", "社区"}
    db = tmp_path / "w.duckdb"
    result = load_paths([street, package], db=db)
    assert result.exit_code == 0 and result.rejected == []
    assert sheet(result, "边界.gpkg", "网格").kind == "grid_boundaries"
    assert sheet(result, "边界.gpkg", "社区").kind == "community_boundaries"
    assert_street_loaded(db)


def test_folder_is_walked_for_boundary_files(tmp_path):
    folder = tmp_path / "街道数据"
    write_base(folder / "名录")
    write_shapefile(grid_frame(), folder / "边界" / "网格边界.shp")
    pyogrio.write_dataframe(community_frame(), folder / "边界" / "社区边界.gpkg", layer="社区")
    # JSON in a folder is most likely a load report, not a boundary: only named .json files are read.
    (folder / "边界" / "导入结果.json").write_text('{"committed": true}', encoding="utf-8")
    db = tmp_path / "w.duckdb"
    result = load_paths([folder], db=db)
    assert result.exit_code == 0 and result.rejected == []
    assert [(s.file, s.kind, s.status) for s in result.sheets] == [
        ("社区名录.csv", "communities", "ok"),
        ("网格名录.csv", "grids", "ok"),
        ("网格边界.shp", "grid_boundaries", "ok"),
        ("社区边界.gpkg", "community_boundaries", "ok"),
    ]
    assert_street_loaded(db)


def test_a_named_json_file_is_read_as_geojson(street, tmp_path):
    grids = write_geojson(tmp_path / "网格边界.json", grid_features())
    result = load_paths([street, grids], db=tmp_path / "w.duckdb")
    assert sheet(result, "网格边界.json").inserted == 3


# ---------------------------------------------------------------------------------------------
# Coordinate systems


def test_gcj02_file_lands_on_published_wgs84_reference_points(street, tmp_path):
    """Each grid is a small square whose first corner is a published GCJ-02 point (as a web map
    gives it); after --crs gcj02 that corner must be the published WGS-84 point, within 1 m."""
    references = FORMULA_POINTS[:3] + FORMULA_POINTS[4:5]  # Shanghai, Shenzhen, Beijing, Baicheng
    features = []
    for code, (_, _, (lon, lat)) in zip(["G1", "G2", "G3", "G4"], references, strict=True):
        corner = [(lon, lat), (lon + 0.001, lat), (lon + 0.001, lat + 0.001), (lon, lat + 0.001), (lon, lat)]
        features.append(({"网格编码": code}, shapely.Polygon(corner)))
    path = write_geojson(tmp_path / "高德描的网格.geojson", features)
    db = tmp_path / "w.duckdb"
    result = load_paths([street, path], db=db, crs=parse_crs("gcj02"))
    assert result.exit_code == 0 and result.rejected == []
    assert "按 GCJ-02" in sheet(result, path.name).message
    grids = stored_geometries(db)
    for code, (place, wgs, gcj) in zip(["G1", "G2", "G3", "G4"], references, strict=True):
        first_corner = np.array([shapely.get_coordinates(grids[code])[0]])
        assert distance_m(first_corner, np.array([wgs]))[0] < 1.0, place
        # The shift is real (hundreds of metres), so an unconverted file would fail the line above.
        assert distance_m(np.array([gcj]), np.array([wgs]))[0] > 100


def test_gcj02_file_of_the_street_lands_within_1_m_of_its_wgs84_truth(street, tmp_path):
    gcj = {code: shapely.transform(g, wgs84_to_gcj02) for code, g in GRID_POLYGONS.items()}
    path = write_geojson(tmp_path / "网格边界.geojson", grid_features(gcj))
    db = tmp_path / "w.duckdb"
    result = load_paths([street, path], db=db, crs=parse_crs("GCJ-02"))
    assert result.rejected == []
    # gcj02 overrides the WGS-84 every GeoJSON declares: that is where such files come from.
    assert sheet(result, path.name).message == "按 GCJ-02（高德/腾讯等网络地图坐标）转换为 WGS-84"
    for code, got in stored_geometries(db).items():
        assert max_vertex_error_m(got, GRID_POLYGONS[code]) < 1.0, code
        assert max_vertex_error_m(gcj[code], GRID_POLYGONS[code]) > 100  # the file really was shifted


def test_cgcs2000_geojson_declared_in_the_file(street, tmp_path):
    path = write_geojson(tmp_path / "网格边界.geojson", grid_features(), crs="urn:ogc:def:crs:EPSG::4490")
    db = tmp_path / "w.duckdb"
    result = load_paths([street, path], db=db)
    message = sheet(result, path.name).message
    assert message.startswith("坐标系 EPSG:4490（") and message.endswith("，已转换为 WGS-84")
    for code, got in stored_geometries(db).items():
        assert max_vertex_error_m(got, GRID_POLYGONS[code]) < 1.0, code


@pytest.mark.parametrize(
    "epsg,fmt",
    [(4547, "gpkg"), (32650, "shp")],
    ids=["cgcs2000-gk-cm114e-geopackage", "utm50n-shapefile-with-prj"],
)
def test_projected_file_lands_where_pyproj_says(street, tmp_path, epsg, fmt):
    projected = grid_frame(crs=f"EPSG:{epsg}")
    path = tmp_path / f"网格边界.{fmt}"
    if fmt == "shp":
        write_shapefile(projected, path)
    else:
        pyogrio.write_dataframe(projected, path, layer="网格")
    # Metres, not degrees: x around 529 km (GK) or 240 km (UTM), y around 3,386 km.
    assert projected.total_bounds[1] > 3_000_000
    db = tmp_path / "w.duckdb"
    result = load_paths([street, path], db=db)
    layer = "网格" if fmt == "gpkg" else None
    assert sheet(result, path.name, layer).message.startswith(f"坐标系 EPSG:{epsg}（")
    back = Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)
    stored = stored_geometries(db)
    for code, geometry in zip(projected["网格编码"], projected.geometry, strict=True):
        expected = shapely.transform(geometry, lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1])))
        assert max_vertex_error_m(stored[code], expected) < 1.0, code
        assert max_vertex_error_m(stored[code], GRID_POLYGONS[code]) < 1.0, code


@pytest.fixture
def projected_without_prj(street, tmp_path) -> Path:
    """The street's folder with a grid Shapefile in EPSG:4547 metres and no .prj to say so."""
    write_shapefile(grid_frame(crs="EPSG:4547"), street / "网格边界.shp", prj=False)
    assert not (street / "网格边界.prj").exists()
    return street


def test_shapefile_without_prj_in_metres_needs_crs(projected_without_prj, tmp_path):
    db = tmp_path / "w.duckdb"
    result = load_paths([projected_without_prj], db=db)
    failed = sheet(result, "网格边界.shp")
    assert failed.status == "error" and failed.kind is None
    assert failed.message.startswith("文件 网格边界.shp：未声明坐标系，坐标也不是经纬度（如 ")
    assert failed.message.endswith("请用 --crs 指定，例如 --crs EPSG:4547")
    # Nothing else is lost: the lists in the same batch are loaded and committed.
    assert result.exit_code == 0 and result.committed
    assert query(db, "SELECT count(*) FROM communities") == [(4,)]
    assert query(db, "SELECT count(*) FROM grids") == [(4,)]
    assert query(db, "SELECT count(*) FROM grid_boundaries") == [(0,)]
    assert query(db, "SELECT status, message FROM load_log WHERE file = '网格边界.shp'") == [("error", failed.message)]

    again = load_paths([projected_without_prj], db=db, crs=parse_crs("EPSG:4547"))
    loaded = sheet(again, "网格边界.shp")
    assert (loaded.status, loaded.inserted) == ("ok", 3)
    assert loaded.message == "坐标系 EPSG:4547（--crs），已转换为 WGS-84"
    for code, got in stored_geometries(db).items():
        assert max_vertex_error_m(got, GRID_POLYGONS[code]) < 1.0, code


def test_cli_crs_option_and_chinese_output(projected_without_prj, tmp_path):
    db = tmp_path / "w.duckdb"
    command = [sys.executable, "-m", "etl", "load", str(projected_without_prj), "--db", str(db)]
    report = tmp_path / "report.json"
    without = subprocess.run([*command, "--report-json", str(report)], cwd=ROOT, capture_output=True, text=True)
    assert without.returncode == 0, without.stderr
    assert "已写入数仓" in without.stderr
    message = next(
        f["message"] for f in json.loads(report.read_text(encoding="utf-8"))["files"] if f["status"] == "error"
    )
    assert "未声明坐标系" in message and "请用 --crs 指定" in message
    assert "未声明坐标系" in without.stderr  # shown to the user, not only in the report

    with_crs = subprocess.run([*command, "--crs", "EPSG:4547"], cwd=ROOT, capture_output=True, text=True)
    assert with_crs.returncode == 0, with_crs.stderr
    assert "网格检查：网格名录中有 1 个网格没有边界：G4" in with_crs.stderr
    assert "已写入数仓" in with_crs.stderr
    assert query(db, "SELECT count(*) FROM grid_boundaries") == [(3,)]

    bad = subprocess.run([*command, "--crs", "EPSG:99999"], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2
    assert "--crs：EPSG:99999 不是已知的坐标系代码" in bad.stderr


def test_coordinates_outside_china_are_a_file_error(street, tmp_path):
    paris = write_geojson(tmp_path / "巴黎.geojson", [({"网格编码": "G1"}, square(2.35, 48.85, 2.36, 48.86))])
    db = tmp_path / "w.duckdb"
    result = load_paths([street, paris], db=db)
    failed = sheet(result, "巴黎.geojson")
    assert failed.status == "error"
    assert "转换后的坐标不在中国范围内（经度 2.3500～2.3600，纬度 48.8500～48.8600）" in failed.message
    assert result.committed and query(db, "SELECT count(*) FROM grid_boundaries") == [(0,)]


def test_wrong_crs_option_puts_the_street_outside_china(projected_without_prj, tmp_path):
    # Gauss-Kruger metres read as Web Mercator metres land in the Atlantic, off Africa.
    result = load_paths([projected_without_prj], db=tmp_path / "w.duckdb", crs=parse_crs("EPSG:3857"))
    failed = sheet(result, "网格边界.shp")
    assert failed.status == "error" and "不在中国范围内" in failed.message


def test_declared_crs_wins_over_the_crs_option(street, tmp_path):
    path = write_geojson(tmp_path / "网格边界.geojson", grid_features(), crs="urn:ogc:def:crs:EPSG::4490")
    db = tmp_path / "w.duckdb"
    result = load_paths([street, path], db=db, crs=parse_crs("EPSG:4547"))
    message = sheet(result, path.name).message
    assert message.startswith("坐标系 EPSG:4490（")
    assert "（文件自带坐标系，未采用 --crs EPSG:4547）" in message
    for code, got in stored_geometries(db).items():
        assert max_vertex_error_m(got, GRID_POLYGONS[code]) < 1.0, code


def test_gcj02_contradicting_a_declared_projected_crs_is_a_file_error(street, tmp_path):
    package = tmp_path / "网格边界.gpkg"
    pyogrio.write_dataframe(grid_frame(crs="EPSG:4547"), package, layer="网格")
    result = load_paths([street, package], db=tmp_path / "w.duckdb", crs=parse_crs("gcj02"))
    failed = sheet(result, package.name, "网格")
    assert failed.status == "error"
    assert "声明的坐标系是投影坐标系 EPSG:4547" in failed.message and "与 --crs gcj02 矛盾" in failed.message


# ---------------------------------------------------------------------------------------------
# Bad input


BOW_TIE = shapely.Polygon([(114.300, 30.600), (114.305, 30.610), (114.305, 30.600), (114.300, 30.610)])


def test_bad_features_are_rejected_rows_and_the_rest_loads(street, tmp_path):
    features = [
        ({"网格编码": "G1"}, BOW_TIE),  # 1: self-intersecting, repaired
        ({"网格编码": "G2"}, shapely.LineString([(114.305, 30.600), (114.310, 30.610)])),  # 2: a line
        ({"网格编码": "G3"}, None),  # 3: no geometry
        ({"网格编码": "G4"}, {"type": "Polygon", "coordinates": []}),  # 4: empty geometry
        ({"网格编码": None}, GRID_POLYGONS["G2"]),  # 5: no code
        ({"网格编码": "G9"}, GRID_POLYGONS["G3"]),  # 6: a code not in the grid list
        ({"网格编码": "G2"}, GRID_POLYGONS["G2"]),  # 7: fine
    ]
    path = write_geojson(tmp_path / "网格边界.geojson", features)
    db = tmp_path / "w.duckdb"
    result = load_paths([street, path], db=db)
    assert result.exit_code == 0 and result.committed
    expected = [
        (2, "几何", "几何类型为 LineString，边界应为面（Polygon 或 MultiPolygon）"),
        (3, "几何", "没有几何（空要素）"),
        (4, "几何", "没有几何（空要素）"),
        (5, "网格编码", "必填项为空"),
        (6, "网格编码", "在网格名录中不存在，请先导入网格名录或核对编号"),
    ]
    assert [(r.file, r.row, r.column, r.reason) for r in result.rejected] == [(path.name, *e) for e in expected]
    assert next(r for r in result.rejected if r.row == 6).value == "G9"
    stored = query(
        db,
        'SELECT file, kind, "row", "column", reason FROM rejected_rows WHERE batch_id = ? ORDER BY "row"',
        [result.batch_id],
    )
    assert stored == [(path.name, "grid_boundaries", *e) for e in expected]
    loaded = sheet(result, path.name)
    assert (loaded.rows_read, loaded.inserted, loaded.rejected) == (7, 2, 5)
    assert "已自动修复 1 个无效几何（如自相交）" in loaded.message

    grids = stored_geometries(db)
    assert set(grids) == {"G1", "G2"}
    assert grids["G1"].is_valid and grids["G1"].geom_type == "MultiPolygon"
    # The bow-tie is its two triangles: half the rectangle it spans, nothing dropped or added.
    assert grids["G1"].area == pytest.approx(GRID_POLYGONS["G1"].area / 2, rel=1e-9)
    assert grids["G1"].covered_by(GRID_POLYGONS["G1"])
    assert shapely.equals_exact(shapely.normalize(grids["G2"]), shapely.normalize(GRID_POLYGONS["G2"]), 1e-9)


def test_unrepairable_and_unclosed_rings(street, tmp_path):
    """A ring with its last point missing (hand-edited GeoJSON) is closed; a ring with no area is rejected."""
    unclosed = {
        "type": "Polygon",
        "coordinates": [[[114.300, 30.600], [114.305, 30.600], [114.305, 30.610], [114.300, 30.610]]],
    }
    flat = shapely.Polygon([(114.305, 30.600), (114.310, 30.600), (114.3075, 30.600), (114.305, 30.600)])
    path = write_geojson(
        tmp_path / "网格边界.geojson",
        [({"网格编码": "G1"}, unclosed), ({"网格编码": "G2"}, flat), ({"网格编码": "G3"}, GRID_POLYGONS["G3"])],
    )
    db = tmp_path / "w.duckdb"
    result = load_paths([street, path], db=db)
    assert result.exit_code == 0 and result.committed
    assert [(r.row, r.column) for r in result.rejected] == [(2, "几何")]
    assert result.rejected[0].reason.startswith("无效几何且无法修复（")
    grids = stored_geometries(db)
    assert set(grids) == {"G1", "G3"}
    assert grids["G1"].is_valid and grids["G1"].area == pytest.approx(GRID_POLYGONS["G1"].area, rel=1e-9)


def test_unknown_community_boundary_is_rejected(street, tmp_path):
    path = write_geojson(
        tmp_path / "社区边界.geojson",
        [({"社区编码": "CB"}, COMMUNITY_POLYGONS["CB"]), ({"社区编码": "东关社区"}, COMMUNITY_POLYGONS["XJ"])],
    )
    result = load_paths([street, path], db=tmp_path / "w.duckdb")
    assert [(r.row, r.column, r.value) for r in result.rejected] == [(2, "社区编码", "东关社区")]
    assert result.rejected[0].reason.startswith("社区不在社区名录中")


def test_features_sharing_a_code_become_one_multipolygon(street, tmp_path):
    west, east = square(114.300, 30.600, 114.302, 30.610), square(114.303, 30.600, 114.305, 30.610)
    path = write_geojson(
        tmp_path / "网格边界.geojson",
        [({"网格编码": "G1"}, west), ({"网格编码": "G2"}, GRID_POLYGONS["G2"]), ({"网格编码": "G1"}, east)],
    )
    db = tmp_path / "w.duckdb"
    result = load_paths([street, path], db=db)
    loaded = sheet(result, path.name)
    assert (loaded.rows_read, loaded.inserted, loaded.superseded, loaded.rejected) == (3, 2, 1, 0)
    assert "1 个编码有多个要素，已按编码合并为多面" in loaded.message
    g1 = stored_geometries(db)["G1"]
    assert g1.geom_type == "MultiPolygon" and len(g1.geoms) == 2
    assert g1.equals(shapely.MultiPolygon([west, east]))
    assert query(db, "SELECT source_row FROM grid_boundaries WHERE grid_id = 'G1'") == [(3,)]


def test_unreadable_boundary_files_are_reported_not_fatal(street, tmp_path):
    broken = tmp_path / "坏文件"
    broken.mkdir()
    (broken / "网格边界.geojson").write_text("{这不是 JSON", encoding="utf-8")
    (broken / "社区边界.gpkg").write_bytes(b"SQLite format 3\x00" + bytes(100))
    (broken / "边界.zip").write_bytes(b"PK not really a zip")
    (broken / "没有属性.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    db = tmp_path / "w.duckdb"
    result = load_paths([street, broken], db=db)
    assert result.exit_code == 0 and result.committed
    failures = {s.file: s.message for s in result.sheets if s.status == "error"}
    assert set(failures) == {"网格边界.geojson", "社区边界.gpkg", "边界.zip", "没有属性.geojson"}
    assert all(m.startswith(f"文件 {f}") for f, m in failures.items())
    assert "属性中找不到编码列" in failures["没有属性.geojson"]
    assert query(db, "SELECT count(*) FROM grids") == [(4,)]


# ---------------------------------------------------------------------------------------------
# Reloads and imports


def test_reloading_the_same_boundary_files_changes_nothing(street, tmp_path):
    grids = write_geojson(tmp_path / "网格边界.geojson", grid_features())
    communities = tmp_path / "社区边界.gpkg"
    pyogrio.write_dataframe(community_frame(crs="EPSG:4547"), communities, layer="社区")  # reprojected each time
    db = tmp_path / "w.duckdb"
    first = load_paths([street, grids, communities], db=db)
    before = query(db, "SELECT grid_id, geometry FROM grid_boundaries ORDER BY 1")
    checks_before = query(db, "SELECT * FROM grid_checks")
    again = load_paths([grids, communities], db=db)
    for label, layer, n in [("网格边界.geojson", None, 3), ("社区边界.gpkg", "社区", 2)]:
        s = sheet(again, label, layer)
        assert (s.inserted, s.updated, s.unchanged, s.rejected) == (0, 0, n, 0), label
    assert query(db, "SELECT grid_id, geometry FROM grid_boundaries ORDER BY 1") == before
    assert query(db, "SELECT * FROM grid_checks") == checks_before
    assert again.notes == first.notes


def _modules_after_load(paths: list[Path], db: Path) -> list[str]:
    code = (
        "import sys; from pathlib import Path; from etl.load import load_paths; "
        "r = load_paths([Path(p) for p in sys.argv[2:]], db=Path(sys.argv[1])); assert r.committed; "
        "print(','.join(m for m in ('geopandas', 'pyogrio', 'pyproj') if m in sys.modules))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(db), *map(str, paths)], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    return [m for m in proc.stdout.strip().split(",") if m]


def test_spreadsheets_alone_do_not_import_geopandas(street, tmp_path):
    assert _modules_after_load([street], tmp_path / "a.duckdb") == []
    # The same probe sees them when there are boundaries, so the line above can fail.
    grids = write_geojson(tmp_path / "网格边界.geojson", grid_features())
    assert "geopandas" in _modules_after_load([street, grids], tmp_path / "b.duckdb")
