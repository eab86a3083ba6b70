"""The grid map figure: no tiles by default, a configured basemap, GCJ-02 tiles, levels of detail."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from streetdash import maps
from streetdash.geo import wgs84_to_gcj02
from streetdash.metrics import metric


def square(west: float, south: float, size: float = 0.005) -> shapely.Polygon:
    return shapely.box(west, south, west + size, south + size)


def shapes(basemap: maps.Basemap, wiggly: bool = False) -> maps.MapShapes:
    polygons = [square(111.77, 37.14), square(111.775, 37.14)]
    detailed = [shapely.segmentize(p, 0.00001) if wiggly else p for p in polygons]
    grids = pd.DataFrame({"grid_id": ["G1", "G2"], "display_geometry": detailed, "overview_geometry": polygons})
    communities = pd.DataFrame(
        {
            "community_id": ["C1"],
            "display_geometry": [shapely.box(111.77, 37.14, 111.78, 37.145)],
            "overview_geometry": [shapely.box(111.77, 37.14, 111.78, 37.145)],
        }
    )
    gaps = pd.DataFrame(
        {"community": ["甲社区"], "gap_no": [1], "area_m2": [120.0], "geometry": [square(111.78, 37.14, 0.001)]}
    )
    overlaps = pd.DataFrame(columns=["grid_a", "grid_b", "area_m2", "share_of_smaller", "geometry"])
    return maps.prepare_shapes(grids, communities, gaps, overlaps, basemap=basemap)


FIGURES = pd.DataFrame(
    {
        "grid_id": ["G1", "G2"],
        "grid": ["一网格", "二网格"],
        "community": ["甲社区", "甲社区"],
        "households": [400, 420],
        "staff": [2, 0],
        "tasks_published": [10, 4],
        "mediation_cases": [1, 0],
        "grids_households_per_staff": [200.0, np.nan],
    }
)


def test_no_tiles_by_default_and_a_grid_without_value_is_grey():
    fig = maps.grid_map(shapes(maps.Basemap()), FIGURES, metric("grids.households_per_staff"), maps.Basemap())
    assert fig.layout.map.style == "white-bg" and not fig.layout.map.layers
    grey, coloured = fig.data[0], fig.data[1]
    assert list(grey.locations) == ["G2"] and grey.colorscale[0][1] == maps.NO_VALUE_COLOUR
    assert list(coloured.locations) == ["G1"] and list(coloured.z) == [200.0]
    assert "户/人" in coloured.hovertemplate and list(coloured.customdata[0][:2]) == ["一网格", "甲社区"]
    assert [t.name for t in fig.data[2:]] == ["社区边界", "覆盖空白"] and not fig.data[2].showlegend


def test_a_configured_basemap_is_a_raster_layer_under_the_grids():
    basemap = maps.Basemap("http://10.1.2.3/tiles/{z}/{x}/{y}.png", "wgs84", "内网底图")
    fig = maps.grid_map(shapes(basemap), FIGURES, metric("tasks.published"), basemap)
    (layer,) = fig.layout.map.layers
    assert list(layer.source) == ["http://10.1.2.3/tiles/{z}/{x}/{y}.png"] and layer.below == "traces"
    assert layer.sourceattribution == "内网底图"


def test_gcj02_tiles_shift_the_drawing_to_gcj02():
    plain = shapes(maps.Basemap())
    shifted = shapes(maps.Basemap("http://tiles/{z}/{x}/{y}.png", "gcj02"))
    before = np.array(plain.layers["grids"]["features"][0]["geometry"]["coordinates"][0])
    after = np.array(shifted.layers["grids"]["features"][0]["geometry"]["coordinates"][0])
    assert np.allclose(after, np.round(wgs84_to_gcj02(before), 6), atol=1e-6)
    assert np.abs(after - before).max() > 0.001  # hundreds of metres: the tiles would not line up otherwise
    # Without tiles there is nothing to line up with: the warehouse's WGS-84 is drawn as it is.
    assert not maps.Basemap("", "gcj02").shift_to_gcj02


def test_the_overview_geometry_is_used_past_the_vertex_budget(monkeypatch):
    detailed = shapes(maps.Basemap(), wiggly=True)
    assert len(detailed.layers["grids"]["features"][0]["geometry"]["coordinates"][0]) > 100
    monkeypatch.setattr(maps, "DETAILED_VERTEX_BUDGET", 50)
    overview = shapes(maps.Basemap(), wiggly=True)
    assert len(overview.layers["grids"]["features"][0]["geometry"]["coordinates"][0]) == 5


def test_geojson_goes_by_url_when_published_and_inline_otherwise():
    prepared = shapes(maps.Basemap())
    inline = maps.grid_map(prepared, FIGURES, metric("tasks.published"), maps.Basemap())
    assert isinstance(inline.data[0].geojson, dict)
    published = maps.grid_map(
        shapes(maps.Basemap()).__class__(**{**prepared.__dict__, "sources": {"grids": "/app/static/maps/g.geojson"}}),
        FIGURES,
        metric("tasks.published"),
        maps.Basemap(),
    )
    assert published.data[0].geojson == "/app/static/maps/g.geojson"


@pytest.mark.parametrize("size, zoom", [(0.01, (14.0, 16.0)), (0.35, (9.0, 10.5))])
def test_the_view_fits_the_grids(size, zoom):
    centre, z = maps.view([shapely.box(116.2, 39.8, 116.2 + size, 39.8 + size)])
    assert centre["lon"] == pytest.approx(116.2 + size / 2) and zoom[0] <= z <= zoom[1]


def test_the_unvalidated_template_draws_the_same_map(monkeypatch):
    """As tests/test_charts.py holds for the charts: the map is the same JSON with the template
    validated for each figure."""
    import plotly.graph_objects as go

    from streetdash import charts

    def draw():
        basemap = maps.Basemap()
        return maps.grid_map(shapes(basemap), FIGURES, metric("grids.households_per_staff"), basemap, "G1").to_json()

    new = draw()
    monkeypatch.setattr(maps, "figure", lambda data=None: go.Figure(data, layout=dict(template=charts.TEMPLATE)))
    assert draw() == new
