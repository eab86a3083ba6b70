"""The grid map: grids coloured by a metric, community outlines, coverage gaps and overlaps.

Drawn with plotly's MapLibre traces (``choroplethmap``) on the ``white-bg`` style: no tiles, no
fonts, nothing fetched, so the map reads the same on a government network (政务外网) as on the
internet. A tile URL in ``MAP_TILE_URL`` (an intranet tile server, 天地图 with its key) adds a raster
basemap; tiles in GCJ-02 (高德, 腾讯) are matched by shifting the drawing to GCJ-02
(``MAP_TILE_CRS=gcj02``), since the warehouse holds WGS-84.

Geometry arrives already simplified for display at load time (``etl/grid_checks.py``); here it is
only rounded to 6 decimals (about 0.1 m) and turned into GeoJSON. Pure functions: frames in, figure
out; the pages call them through ``streetdash.app.data``. Names from the ledgers (grids, communities)
are escaped where they enter hover text (:func:`streetdash.text.plotly`), like the chart builders'.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from streetdash.charts import FONT_STACK, figure
from streetdash.config import setting
from streetdash.metrics import Metric, format_number
from streetdash.text import plotly as escape
from streetdash.text import plotly_each as escape_each

MAP_HEIGHT = 620
NO_VALUE_COLOUR = "#D9D9D9"
OUTLINE_COLOUR = "#263238"
GAP_COLOUR = "#D32F2F"
OVERLAP_COLOUR = "#6A1B9A"
# Colour runs from bad to good for metrics with a direction, light to dark for neutral ones.
SCALES = {"higher": "RdYlGn", "lower": "RdYlGn_r", "neutral": "Blues"}


@dataclass(frozen=True)
class Basemap:
    """The tile layer under the map, from the settings; no URL means a blank background."""

    url: str = ""
    crs: str = "wgs84"
    attribution: str = ""

    @classmethod
    def from_settings(cls) -> Basemap:
        return cls(
            setting("MAP_TILE_URL").strip(),
            setting("MAP_TILE_CRS").strip().lower() or "wgs84",
            setting("MAP_TILE_ATTRIBUTION").strip(),
        )

    @property
    def shift_to_gcj02(self) -> bool:
        return bool(self.url) and self.crs == "gcj02"


def feature_collection(ids, geometries, decimals: int = 6) -> dict:
    """A GeoJSON FeatureCollection with ``id`` per feature, coordinates rounded (6 decimals: 0.1 m)."""
    import shapely

    rounded = shapely.transform(np.asarray(geometries, dtype=object), lambda coords: np.round(coords, decimals))
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": str(i), "geometry": shapely.geometry.mapping(g)}
            for i, g in zip(ids, rounded, strict=True)
            if g is not None
        ],
    }


# The map sits in a column about 450 px wide at 1366 px; fitting to that keeps it whole on small screens.
MAP_WIDTH = 480
TILE_PX = 512  # MapLibre's tile size: the world is 512 × 2^zoom pixels wide


def view(geometries, width_px: int = MAP_WIDTH, height_px: int = MAP_HEIGHT - 150) -> tuple[dict, float]:
    """Centre and zoom that fit the geometries in a map of the given size (web-mercator arithmetic)."""
    import shapely

    west, south, east, north = shapely.total_bounds(np.asarray(geometries, dtype=object))
    if not np.isfinite([west, south, east, north]).all():
        return {"lon": 116.4, "lat": 39.9}, 9.0

    def mercator_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    lon_span = max(east - west, 1e-6)
    y_span = max(mercator_y(north) - mercator_y(south), 1e-8)
    zoom_lon = math.log2(360 * width_px / (TILE_PX * lon_span))
    zoom_lat = math.log2(2 * math.pi * height_px / (TILE_PX * y_span))
    centre_y = (mercator_y(north) + mercator_y(south)) / 2
    centre_lat = math.degrees(2 * math.atan(math.exp(centre_y)) - math.pi / 2)
    return {"lon": (west + east) / 2, "lat": centre_lat}, round(min(zoom_lon, zoom_lat) - 0.1, 2)


# The detailed geometry (about 1 m) unless the scope's grids would need more vertices than this
# (about 1.5 MB of GeoJSON); then the overview (about 50 m, coordinates to 1 m).
DETAILED_VERTEX_BUDGET = 60_000


def _outline_lines(geometries) -> tuple[list, list]:
    """Every ring as one line, rings separated by None, for a single line trace."""
    import shapely

    lons: list = []
    lats: list = []
    for geom in geometries:
        if geom is None:
            continue
        for ring in shapely.get_rings(shapely.get_parts(geom)):
            coords = shapely.get_coordinates(ring)
            lons += np.round(coords[:, 0], 6).tolist() + [None]
            lats += np.round(coords[:, 1], 6).tolist() + [None]
    return lons, lats


@dataclass(frozen=True)
class MapShapes:
    """What the map draws for a scope, prepared once per warehouse version and scope: GeoJSON and the
    view. The period and the colouring change only values, so a rerun rebuilds no geometry."""

    grid_ids: frozenset[str]  # grids with a boundary
    layers: dict[str, dict]  # "grids", "communities", "gaps", "overlaps" -> FeatureCollection
    gap_hover: list[str]
    overlap_hover: list[str]
    centre: dict
    zoom: float
    # Layer -> URL of the same FeatureCollection published as a static file (see
    # streetdash.app.static_files); the figure then refers to it instead of carrying it.
    sources: dict[str, str] | None = None

    def geojson(self, layer: str) -> dict | str:
        return (self.sources or {}).get(layer) or self.layers[layer]

    def ids(self, layer: str) -> list[str]:
        return [feature["id"] for feature in self.layers[layer]["features"]]

    def outline(self, grid_id: str) -> tuple[list, list] | None:
        """A grid's rings as lon/lat lines (None between rings), to frame the selected grid."""
        import shapely

        feature = next((f for f in self.layers["grids"]["features"] if f["id"] == grid_id), None)
        return None if feature is None else _outline_lines([shapely.geometry.shape(feature["geometry"])])


def prepare_shapes(
    grids: pd.DataFrame,
    communities: pd.DataFrame,
    gaps: pd.DataFrame,
    overlaps: pd.DataFrame,
    basemap: Basemap | None = None,
) -> MapShapes | None:
    """Geometry of a scope ready to draw; None when no grid has a boundary.

    ``grids`` and ``communities`` carry ``display_geometry`` and ``overview_geometry`` (shapely,
    WGS-84): the overview is used when the detailed grids exceed ``DETAILED_VERTEX_BUDGET``.
    ``gaps`` and ``overlaps`` carry ``geometry`` and the columns of the grid-check tables.
    """
    import shapely

    basemap = basemap or Basemap.from_settings()
    shift = basemap.shift_to_gcj02
    if grids.empty:
        return None
    detailed = shapely.get_num_coordinates(grids["display_geometry"].to_numpy()).sum() <= DETAILED_VERTEX_BUDGET
    column, decimals = ("display_geometry", 6) if detailed else ("overview_geometry", 5)
    grid_geometry = _shifted(grids[column].to_numpy(), shift)
    centre, zoom = view(grid_geometry)
    return MapShapes(
        grid_ids=frozenset(grids["grid_id"]),
        layers={
            "grids": feature_collection(grids["grid_id"], grid_geometry, decimals),
            "communities": feature_collection(
                communities["community_id"], _shifted(communities[column], shift), decimals
            ),
            "gaps": feature_collection([f"覆盖空白{i}" for i in range(len(gaps))], _shifted(gaps["geometry"], shift)),
            "overlaps": feature_collection(
                [f"网格重叠{i}" for i in range(len(overlaps))], _shifted(overlaps["geometry"], shift)
            ),
        },
        gap_hover=[
            f"<b>覆盖空白</b>（{escape(r.community)}第 {r.gap_no} 处）<br>{r.area_m2:,.0f} 平方米不在任何网格内"
            for r in gaps.itertuples()
        ],
        overlap_hover=[
            f"<b>网格重叠</b><br>{escape(r.grid_a or r.grid_id_a)} 与 {escape(r.grid_b or r.grid_id_b)}<br>"
            f"{r.area_m2:,.0f} 平方米，占较小网格的 {r.share_of_smaller:.1%}"
            for r in overlaps.itertuples()
        ],
        centre=centre,
        zoom=zoom,
    )


def _value_format(metric: Metric) -> str:
    """The d3 format of a metric's value in hover text (separators as the chart template sets)."""
    return {"rate": ".1%", "count": ",d", "days": ",.1f", "ratio": ",.1f"}.get(metric.format, ",.1f")


def grid_map(
    shapes: MapShapes | None,
    figures: pd.DataFrame,
    metric: Metric,
    basemap: Basemap | None = None,
    selected: str | None = None,
) -> go.Figure | None:
    """The grid map for one metric.

    Parameters
    ----------
    shapes : the scope's prepared geometry (:func:`prepare_shapes`); None draws nothing.
    figures : one row per grid: ``grid_id``, ``grid``, ``community``, ``households``, ``staff``,
        ``tasks_published``, ``mediation_cases`` and the metric's column (the grid_metrics macro).
    metric : the catalogue metric that colours the grids.
    basemap : tiles under the map; default from the settings (none: blank background).
    selected : a grid to outline (the one whose card is open).

    Returns
    -------
    The figure, or None when no grid of the scope has a boundary.
    """
    if shapes is None:
        return None
    basemap = basemap or Basemap.from_settings()
    drawn = figures[figures["grid_id"].isin(shapes.grid_ids)]
    values = pd.to_numeric(drawn[metric.column], errors="coerce")
    unit = "" if metric.format == "rate" else f" {metric.unit}"
    # Numbers as text the Chinese way ("1,234", "—"), so hover needs no per-grid string building;
    # names escaped, since plotly reads the hover text it fills in as its HTML subset.
    details = np.column_stack(
        [
            escape_each(drawn["grid"].fillna(drawn["grid_id"])),
            escape_each(drawn["community"]),
            [format_number(v, "count") for v in drawn["households"]],
            [format_number(v, "count") for v in drawn["staff"]],
            [format_number(v, "count") for v in drawn["tasks_published"]],
            [format_number(v, "count") for v in drawn["mediation_cases"]],
        ]
    )
    head = "<b>%{customdata[0]}</b>（%{customdata[1]}）<br>"
    tail = (
        "<br>户数 %{customdata[2]} · 网格员 %{customdata[3]} 人<br>"
        "任务 %{customdata[4]} 件 · 纠纷 %{customdata[5]} 件<br>点击查看网格详情<extra></extra>"
    )
    fig = figure()
    known = values.notna().to_numpy()
    if (~known).any():
        # A grid without a value (no households, no staff) is still a grid on the map: grey.
        fig.add_trace(
            go.Choroplethmap(
                geojson=shapes.geojson("grids"),
                locations=drawn["grid_id"][~known],
                z=np.zeros((~known).sum()),
                colorscale=[[0, NO_VALUE_COLOUR], [1, NO_VALUE_COLOUR]],
                showscale=False,
                customdata=details[~known],
                hovertemplate=head + f"{escape(metric.name)}：无数值" + tail,
                marker=dict(opacity=0.8, line=dict(color="white", width=1)),
                name="无数值",
                showlegend=False,
            )
        )
    if known.any():
        ticks = dict(tickformat=".0%") if metric.format == "rate" else dict(tickformat=",")
        fig.add_trace(
            go.Choroplethmap(
                geojson=shapes.geojson("grids"),
                locations=drawn["grid_id"][known],
                z=values[known].to_numpy(dtype=float),
                colorscale=SCALES[metric.direction],
                marker=dict(opacity=0.85, line=dict(color="white", width=1)),
                # Under the map, so the map keeps the column's whole width.
                colorbar=dict(
                    title=dict(text=escape(metric.label), side="top"),
                    orientation="h",
                    thickness=12,
                    len=0.6,
                    x=0.99,
                    xanchor="right",
                    y=-0.02,
                    yanchor="top",
                    **ticks,
                ),
                customdata=details[known],
                hovertemplate=head + f"{escape(metric.name)}：%{{z:{_value_format(metric)}}}{escape(unit)}" + tail,
                name=escape(metric.name),
                showlegend=False,
                # A click selects a grid to open its card; the others must not fade.
                selected=dict(marker=dict(opacity=0.95)),
                unselected=dict(marker=dict(opacity=0.85)),
            )
        )
    if shapes.layers["communities"]["features"]:
        # Community boundaries: a choropleth with no fill and a dark edge (lines from the same file kind).
        fig.add_trace(
            go.Choroplethmap(
                geojson=shapes.geojson("communities"),
                locations=shapes.ids("communities"),
                z=np.zeros(len(shapes.ids("communities"))),
                colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                showscale=False,
                marker=dict(line=dict(color=OUTLINE_COLOUR, width=2.5)),
                hoverinfo="skip",
                name="社区边界",
                showlegend=False,  # a transparent fill has no swatch to show; the page's caption names it
            )
        )
    for layer, hover, label, colour in [
        ("gaps", shapes.gap_hover, "覆盖空白", GAP_COLOUR),
        ("overlaps", shapes.overlap_hover, "网格重叠", OVERLAP_COLOUR),
    ]:
        if shapes.layers[layer]["features"]:
            fig.add_trace(
                go.Choroplethmap(
                    geojson=shapes.geojson(layer),
                    locations=shapes.ids(layer),
                    z=np.zeros(len(shapes.ids(layer))),
                    colorscale=[[0, colour], [1, colour]],
                    showscale=False,
                    marker=dict(opacity=0.75, line=dict(color=colour, width=1.5)),
                    text=hover,
                    hovertemplate="%{text}<extra></extra>",
                    name=label,
                    showlegend=True,
                )
            )
    frame = shapes.outline(selected) if selected is not None else None
    if frame is not None:
        lons, lats = frame
        fig.add_trace(
            go.Scattermap(
                lon=lons, lat=lats, mode="lines", line=dict(color="#000", width=4), name="所选网格", hoverinfo="skip"
            )
        )
    style: dict = {"style": "white-bg", "center": shapes.centre, "zoom": shapes.zoom}
    if basemap.url:
        style["layers"] = [
            {
                "sourcetype": "raster",
                "source": [basemap.url],
                "below": "traces",
                "sourceattribution": basemap.attribution,
            }
        ]
    fig.update_layout(
        map=style,
        height=MAP_HEIGHT,
        margin=dict(l=0, r=0, t=80, b=70),
        title=escape(f"各网格{metric.label}"),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
        hoverlabel=dict(font=dict(family=FONT_STACK)),
        clickmode="event+select",
    )
    return fig


def _shifted(geometries, shift: bool):
    geometries = np.asarray(geometries, dtype=object)
    if not shift:
        return geometries
    import shapely

    from streetdash.geo import wgs84_to_gcj02

    return shapely.transform(geometries, wgs84_to_gcj02)
