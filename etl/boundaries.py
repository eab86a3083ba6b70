"""Reading boundary files (GeoJSON, Shapefile zipped or as its file set, GeoPackage) into WGS-84 WKB.

A boundary file becomes the same thing a ledger sheet does (:class:`etl.reader.LedgerSheet`): one
text column per schema field (the feature properties that say which grid or community a polygon
is), ``_row`` (the feature's number, 1-based, as a GIS attribute table counts them), plus a
``geometry`` column of WKB in WGS-84. The generic staging and validation then do the rest, so a
polygon whose 网格编码 is not in the grid list is rejected like any unknown reference.

What happens here is what a spreadsheet does not have:

- The coordinate system. A file's own declaration wins (a Shapefile's .prj, a GeoPackage's SRS, a
  GeoJSON's ``crs`` member; a GeoJSON without one is WGS-84 by its standard). ``--crs`` is for files
  that declare nothing, with one exception: ``gcj02`` overrides a declared geographic CRS, because
  coordinates copied from Chinese web maps are GCJ-02 but their files say WGS-84. EPSG:4490
  (CGCS2000) and projected systems are converted with pyproj, GCJ-02 with :mod:`streetdash.geo`.
- Repair. Invalid polygons are repaired with ``shapely.make_valid`` (polygonal parts kept) and
  counted in the file's note; a feature with no geometry, with a line or point, or that cannot be
  repaired is a rejected row with the reason.
- Several features with the same code are the parts of one polygon (a multipart grid exported as
  single parts): they are merged into one MultiPolygon, and the note says so.
- Shapefiles without a .cpg are UTF-8 or, as most Chinese ones are, GBK; the encoding is tried, not
  assumed.
"""

from __future__ import annotations

import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from etl.normalise import GEOMETRY_COLUMN
from etl.sheets import GCJ02, LedgerError, LedgerSheet, ReadResult, SheetFailure, SourceCrs
from streetdash.schema import Kind, Schemas, normalise_header

# Suffixes read as boundaries; ``.json`` only when a file is named on the command line, since a
# folder may hold other JSON (load reports).
BOUNDARY_SUFFIXES = {".geojson", ".json", ".shp", ".zip", ".gpkg"}
FOLDER_BOUNDARY_SUFFIXES = {".geojson", ".shp", ".zip", ".gpkg"}
# Lon/lat of mainland China and its islands, with a margin: a converted boundary outside it was read
# in the wrong coordinate system.
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)
GEOMETRY_HEADER = "几何"


def parse_crs(text: str | None) -> SourceCrs | None:
    """``--crs`` as given (``EPSG:4490``, ``4490``, ``gcj02``, ``GCJ-02``) or None; ValueError in Chinese."""
    if text is None or not text.strip():
        return None
    token = text.strip().lower().replace("-", "").replace("_", "")
    if token in ("gcj02", "gcj"):
        return SourceCrs(GCJ02)
    code = token.removeprefix("epsg:")
    if not code.isdigit():
        raise ValueError(f"无法识别的坐标系「{text}」：请写 EPSG 代码（如 EPSG:4490、EPSG:4547）或 gcj02")
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        CRS.from_epsg(int(code))
    except CRSError:
        raise ValueError(f"EPSG:{code} 不是已知的坐标系代码") from None
    return SourceCrs(f"EPSG:{int(code)}")


def is_boundary_file(path: Path) -> bool:
    return path.suffix.lower() in BOUNDARY_SUFFIXES


# ---------------------------------------------------------------------------------------------
# Layers of a file


@dataclass(frozen=True)
class Layer:
    source: str  # what pyogrio opens
    name: str | None  # the layer (GeoPackage) or Shapefile name inside a zip
    archive: Path | None = None  # the zip holding the Shapefile
    member: str | None = None  # the .shp's path inside the zip


def _layers(path: Path) -> list[Layer]:
    """Every layer of the file that has geometry."""
    import pyogrio

    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            shapefiles = sorted(
                (_member_name(i), i.filename) for i in archive.infolist() if i.filename.lower().endswith(".shp")
            )
        if not shapefiles:
            raise LedgerError(f"压缩包 {path.name} 中没有 Shapefile（.shp）")
        return [Layer(f"/vsizip/{path.resolve()}/{n}", Path(shown).stem, path, n) for shown, n in shapefiles]
    if path.suffix.lower() == ".gpkg":
        return [Layer(str(path), str(name)) for name, geometry_type in pyogrio.list_layers(path) if geometry_type]
    return [Layer(str(path), None)]


def _member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name as its author wrote it, for reports.

    Zips made on Chinese Windows store names in GBK without the UTF-8 flag; zipfile decodes those as
    CP437 (mojibake), and GDAL opens the member by that same CP437 name, so only the shown name changes.
    """
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except UnicodeError:
        return info.filename


def _encoding_undeclared(layer: Layer) -> bool:
    """Whether a Shapefile layer (in a folder or a zip) has a .dbf but no .cpg naming its encoding."""
    if not layer.source.lower().endswith(".shp"):
        return False
    if layer.archive is not None:
        with zipfile.ZipFile(layer.archive) as archive:
            names = {n.lower() for n in archive.namelist()}
        stem = layer.member[:-4].lower()
    else:
        shp = Path(layer.source)
        names = {p.name.lower() for p in shp.parent.iterdir() if p.stem == shp.stem}
        stem = shp.stem.lower()
    return stem + ".dbf" in names and stem + ".cpg" not in names


def _read_layer(layer: Layer):
    import pyogrio

    options = {"layer": layer.name} if layer.source.lower().endswith(".gpkg") else {}
    # A ring whose last point does not repeat its first (hand-edited GeoJSON) would make shapely raise
    # and stop the whole batch: "fix" closes it, and what cannot be fixed comes back as no geometry,
    # a rejected row.
    options["on_invalid"] = "fix"
    if not _encoding_undeclared(layer):
        return pyogrio.read_dataframe(layer.source, **options)
    # No .cpg: GDAL would read GBK as Latin-1 (mojibake headers). UTF-8 first; a GBK file fails it.
    try:
        return pyogrio.read_dataframe(layer.source, encoding="UTF-8", **options)
    except UnicodeDecodeError:
        return pyogrio.read_dataframe(layer.source, encoding="GB18030", **options)


# ---------------------------------------------------------------------------------------------
# Which kind of boundary, and which property is which field


def match_properties(columns: list[str], schemas: Schemas, kind_name: str | None) -> tuple[Kind, dict[str, str]]:
    """The boundary kind whose required fields the properties name, and property -> field name.

    Grids come before communities: a grid file usually also names the community of each grid.
    """
    if kind_name and not schemas.kinds[kind_name].geometry:
        raise LedgerError(f"--kind {kind_name} 是表格台账，不能用于边界文件")
    kinds = [schemas.kinds[kind_name]] if kind_name else schemas.boundaries()
    for kind in kinds:
        header_map = kind.header_map()
        mapping: dict[str, str] = {}
        for column in columns:
            name = header_map.get(normalise_header(column))
            if name and name not in mapping.values():
                mapping[column] = name
        if all(f.name in mapping.values() for f in kind.required_fields):
            return kind, mapping
    wanted = "、".join(f"{k.title}需要「{k.required_fields[0].header}」" for k in kinds)
    raise LedgerError(f"属性中找不到编码列（{wanted}），现有属性：{'、'.join(columns) or '无'}")


def _property_text(values) -> pa.Array:
    """Property values as the text a person would type (1.0 -> "1", 141181001001 stays whole)."""

    def text(v) -> str | None:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    return pa.array([text(v) for v in values], pa.string())


# ---------------------------------------------------------------------------------------------
# Coordinate systems


def to_wgs84(frame, crs: SourceCrs | None) -> tuple[object, str]:
    """The GeoDataFrame in WGS-84 and a note saying how it got there; LedgerError if it cannot.

    Error messages say what is wrong; the caller says where (file and layer).
    """
    import shapely

    from streetdash.geo import gcj02_to_wgs84

    declared = frame.crs
    if crs is not None and crs.is_gcj02:
        if declared is not None and not declared.is_geographic:
            raise LedgerError(f"声明的坐标系是投影坐标系 {_crs_name(declared)}，与 --crs gcj02 矛盾")
        converted = frame.set_crs(None, allow_override=True)
        converted = converted.set_geometry(shapely.transform(converted.geometry.values, gcj02_to_wgs84))
        return converted.set_crs("EPSG:4326", allow_override=True), "按 GCJ-02（高德/腾讯等网络地图坐标）转换为 WGS-84"
    if declared is not None:
        note = f"坐标系 {_crs_name(declared)}"
        if crs is not None and declared != _pyproj(crs.name):
            note += f"（文件自带坐标系，未采用 --crs {crs.name}）"
        return frame.to_crs("EPSG:4326"), note + ("" if declared.to_epsg() == 4326 else "，已转换为 WGS-84")
    if crs is not None:
        return frame.set_crs(crs.name).to_crs("EPSG:4326"), f"坐标系 {crs.name}（--crs），已转换为 WGS-84"
    west, south, east, north = frame.total_bounds
    if -180 <= west <= east <= 180 and -90 <= south <= north <= 90:
        return frame.set_crs("EPSG:4326"), (
            "文件未声明坐标系，按 WGS-84 经纬度处理；如坐标取自高德、腾讯等网络地图，请用 --crs gcj02 重新导入"
        )
    raise LedgerError(
        f"未声明坐标系，坐标也不是经纬度（如 {west:.0f}, {south:.0f}）：请用 --crs 指定，例如 --crs EPSG:4547"
    )


def _pyproj(name: str):
    from pyproj import CRS

    return CRS.from_user_input(name)


def _crs_name(crs) -> str:
    code = crs.to_epsg()
    return f"EPSG:{code}（{crs.name}）" if code else crs.name


def _check_in_china(frame) -> None:
    import shapely

    # shapely.is_missing, not GeoSeries.notna, which warns about empty geometries on the user's console.
    valid = frame.geometry[~frame.geometry.is_empty & ~shapely.is_missing(frame.geometry.to_numpy())]
    if valid.empty:
        return
    west, south, east, north = valid.total_bounds
    w, s, e, n = CHINA_BOUNDS
    if west < w or east > e or south < s or north > n:
        raise LedgerError(
            f"转换后的坐标不在中国范围内（经度 {west:.4f}～{east:.4f}，纬度 {south:.4f}～{north:.4f}），"
            "请检查坐标系：未声明坐标系的文件请用 --crs 指定"
        )


# ---------------------------------------------------------------------------------------------
# Geometry repair


def repair(geometries) -> tuple[np.ndarray, list[str | None], int]:
    """(polygonal geometries or None, a Chinese problem per feature or None, how many were repaired)."""
    import shapely

    geoms = np.asarray(geometries, dtype=object)
    out = np.empty(len(geoms), dtype=object)
    problems: list[str | None] = [None] * len(geoms)
    repaired = 0
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            problems[i] = "没有几何（空要素）"
            continue
        geom = shapely.force_2d(geom)
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            problems[i] = f"几何类型为 {geom.geom_type}，边界应为面（Polygon 或 MultiPolygon）"
            continue
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            fixed = _polygonal(shapely.make_valid(geom, method="structure", keep_collapsed=False))
            if fixed is None or fixed.area == 0:
                problems[i] = f"无效几何且无法修复（{reason}）"
                continue
            geom, repaired = fixed, repaired + 1
        out[i] = geom
    return out, problems, repaired


def _polygonal(geom):
    """The polygonal parts of a geometry as one (Multi)Polygon, or None."""
    import shapely

    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    merged = shapely.union_all(parts)
    return merged if merged.geom_type in ("Polygon", "MultiPolygon") else _polygonal(merged)


# ---------------------------------------------------------------------------------------------
# A file


def read_boundary_file(
    path: Path, schemas: Schemas, kind_name: str | None = None, crs: SourceCrs | None = None
) -> ReadResult:
    """Every layer of a boundary file as a :class:`LedgerSheet` with a WGS-84 WKB ``geometry`` column.

    Parameters
    ----------
    path : a .geojson/.json, .shp (its .dbf/.shx/.prj beside it), .zip holding Shapefiles, or .gpkg.
    schemas : the ledger schemas (boundary kinds are those with ``geometry = true``).
    kind_name : force the boundary kind (``grid_boundaries`` or ``community_boundaries``).
    crs : the ``--crs`` given for files that do not declare their coordinate system.

    Returns
    -------
    ReadResult: sheets (one per layer) whose ``problems`` hold the features rejected for their geometry
    and whose ``notes`` say which CRS was used and what was repaired or merged; failures for layers
    that cannot be read at all (no code property, unknown CRS, coordinates outside China).
    """
    from pyogrio.errors import DataSourceError

    result = ReadResult()
    try:
        layers = _layers(path)
    except (LedgerError, DataSourceError, zipfile.BadZipFile, OSError) as exc:
        result.failures.append(SheetFailure(path, None, f"文件 {path.name} 无法作为边界文件读取：{exc}"))
        return result
    for layer in layers:
        where = f"文件 {path.name}" + (f" 图层「{layer.name}」" if layer.name else "") + "："
        try:
            result.sheets.append(_read_sheet(path, layer, schemas, kind_name, crs))
        except LedgerError as exc:
            result.failures.append(SheetFailure(path, layer.name, f"{where}{exc}"))
        except (DataSourceError, ValueError, OSError) as exc:
            result.failures.append(SheetFailure(path, layer.name, f"{where}无法读取：{exc}"))
    return result


def _read_sheet(
    path: Path,
    layer: Layer,
    schemas: Schemas,
    kind_name: str | None,
    crs: SourceCrs | None,
) -> LedgerSheet:
    import shapely

    frame = _read_layer(layer)
    properties = [c for c in frame.columns if c != frame.geometry.name]
    kind, mapping = match_properties(properties, schemas, kind_name)
    frame, crs_note = to_wgs84(frame, crs)
    _check_in_china(frame)
    notes = [crs_note]
    geometries, problems, repaired = repair(frame.geometry.values)
    if repaired:
        notes.append(f"已自动修复 {repaired} 个无效几何（如自相交）")
    rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    columns = {field: _property_text(frame[column].to_numpy(dtype=object)) for column, field in mapping.items()}
    geometries, problems, merged = _merge_parts(kind, columns, geometries, problems)
    if merged:
        notes.append(f"{merged} 个编码有多个要素，已按编码合并为多面")
    table = pa.Table.from_pydict(
        {
            **columns,
            GEOMETRY_COLUMN: pa.array([None if g is None else shapely.to_wkb(g) for g in geometries], pa.binary()),
            "_row": pa.array(rows),
        }
    )
    return LedgerSheet(
        file=path,
        sheet=layer.name,
        kind=kind,
        header_row=None,
        columns={field: column for column, field in mapping.items()} | {GEOMETRY_COLUMN: GEOMETRY_HEADER},
        ignored_headers=[c for c in properties if c not in mapping],
        table=table,
        problems=[(int(rows[i]), GEOMETRY_COLUMN, None, p) for i, p in enumerate(problems) if p],
        notes=notes,
    )


def _merge_parts(
    kind: Kind, columns: dict[str, pa.Array], geometries: np.ndarray, problems: list[str | None]
) -> tuple[np.ndarray, list[str | None], int]:
    """Features sharing a code become one: the last of them holds the union of all their parts.

    The earlier ones keep their own part but are then dropped by the loader's rule for repeated keys
    (the lower row wins), so they are counted as superseded, not rejected.
    """
    import shapely

    key = kind.required_fields[0].name
    codes = [None if c is None else unicodedata.normalize("NFKC", c).strip() for c in columns[key].to_pylist()]
    positions: dict[str, list[int]] = {}
    for i, code in enumerate(codes):
        if code and problems[i] is None:
            positions.setdefault(code, []).append(i)
    merged = 0
    for indices in positions.values():
        if len(indices) > 1:
            geometries[indices[-1]] = shapely.union_all([geometries[i] for i in indices])
            merged += 1
    return geometries, problems, merged
