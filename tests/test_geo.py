"""WGS-84 <-> GCJ-02: published reference points, exact round trips, edge cases, shapely geometries."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from streetdash.geo import OFFSET_REGION, gcj02_to_wgs84, in_offset_region, wgs84_to_gcj02

EARTH_RADIUS_M = 6371008.8  # IUGG mean radius; plenty for distances of a few metres

# Outputs of the published formula, printed by the reference projects' own tests at full precision:
# (place, WGS-84 (lon, lat), GCJ-02 (lon, lat)). The eviltransform files list (lat, lng) pairs.
FORMULA_POINTS = [
    # googollee/eviltransform, python/test.py (same numbers in go/transform_test.go, javascript/test.js)
    ("shanghai_pudong", (121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ("shenzhen_nanshan", (113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ("beijing_xicheng", (116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
    # wandergis/coordtransform, test/app.js ("wgs84togcj02: [ 116.41024449916938, 39.91640428150164 ]")
    ("beijing_tiananmen", (116.404, 39.915), (116.41024449916938, 39.91640428150164)),
    # hujiulong/gcoord, test/unit/crs/WGS84.spec.ts (8 decimals, about 1 mm)
    ("jilin_baicheng", (123.0, 45.0), (123.00607541, 45.00197815)),
]
# Same formula, so anything above print rounding means a mistyped term; 0.5 m would let small ones pass.
FORMULA_TOLERANCE_M = 0.01

# City centres across China with WGS-84 and GCJ-02 pairs from hujiulong/gcoord,
# test/fixtures/china-cities.json (commit fedbaa105f198d5afc23fec2d60c0a0df32ef663), 7 decimals.
# These were not computed with the published formula: at every city they sit about 0.48 m east and
# 0.48 m north of it (0.65-0.74 m in all), presumably collected from a live map service whose full
# algorithm adds a small constant the published formula leaves out. So they are checked within 1 m,
# and the residual is checked to be that same constant everywhere, which a regional slip in our
# formula would break.
CITY_POINTS = [
    ("beijing", (116.4011517, 39.9028057), (116.4074002, 39.9042136)),
    ("shanghai", (121.4691633, 31.2323443), (121.4737061, 31.2304194)),
    ("guangzhou", (113.2590543, 23.131788), (113.2643859, 23.1291146)),
    ("chengdu", (104.0640437, 30.5747262), (104.0665489, 30.5722732)),
    ("chongqing", (106.5478343, 29.565849), (106.5515641, 29.563013)),
    ("neijiang_near_105e", (105.055217, 29.5828101), (105.0584389, 29.5802333)),
    ("urumqi", (87.6140048, 43.824388), (87.6168579, 43.8255962)),
    ("artux_far_west", (76.1647682, 39.7141079), (76.1678223, 39.7145315)),
    ("harbin", (126.528903, 45.8017783), (126.5349726, 45.8037804)),
    ("tahe_far_north", (124.7038236, 52.3338635), (124.7115324, 52.3352664)),
    ("lhasa", (91.1706414, 29.655277), (91.1721167, 29.6524954)),
    ("sanya", (109.507813, 18.2545417), (109.5119135, 18.2528524)),
    ("sansha_xisha", (112.3337959, 16.8334801), (112.3387036, 16.8318454)),
]
CITY_TOLERANCE_M = 1.0
CITY_RESIDUAL_SPREAD_M = 0.1

# Outside the offset box GCJ-02 is WGS-84. The first three are eviltransform's matlab/test/testSuite.m
# "edge cases"; the rest sit just past each side of the box.
OUTSIDE_POINTS = [
    (-104.9903, 39.7392),  # Denver
    (153.0251, -27.4698),  # Brisbane
    (-43.1729, -22.9068),  # Rio de Janeiro
    (139.6917, 35.6895),  # Tokyo (east of 137.8347)
    (72.0, 39.0),  # west of 72.004
    (137.9, 40.0),  # east of 137.8347
    (110.0, 0.8),  # south of 0.8293
    (120.0, 55.9),  # north of 55.8271
]

# China's extreme points: the box must cover them (a narrower box, such as coordtransform's, misses
# Fuyuan and Mohe).
CHINA_EXTREMES = [
    (135.0833, 48.3667),  # Fuyuan, easternmost
    (122.35, 53.5607),  # Mohe, northernmost
    (73.5, 39.4),  # Pamirs, westernmost
    (112.28, 3.97),  # Zengmu Ansha, southernmost
]

CHINA_EXTENT = (73.5, 135.1, 3.8, 53.6)  # lon min, lon max, lat min, lat max


def distance_m(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Haversine distance in metres between rows of two (N, 2) lon/lat arrays."""
    lon_a, lat_a = np.radians(a[:, 0]), np.radians(a[:, 1])
    lon_b, lat_b = np.radians(b[:, 0]), np.radians(b[:, 1])
    h = np.sin((lat_b - lat_a) / 2) ** 2 + np.cos(lat_a) * np.cos(lat_b) * np.sin((lon_b - lon_a) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(h))


def east_north_m(frm: np.ndarray, to: np.ndarray) -> np.ndarray:
    """Local (east, north) displacement in metres from each row of ``frm`` to the same row of ``to``."""
    d = np.radians(to - frm)
    return np.column_stack([d[:, 0] * np.cos(np.radians(frm[:, 1])), d[:, 1]]) * EARTH_RADIUS_M


def _pairs(points: list) -> tuple[np.ndarray, np.ndarray]:
    return np.array([wgs for _, wgs, _ in points]), np.array([gcj for _, _, gcj in points])


def _china_sample(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lon_min, lon_max, lat_min, lat_max = CHINA_EXTENT
    points = np.column_stack([rng.uniform(lon_min, lon_max, n), rng.uniform(lat_min, lat_max, n)])
    # The offset has a sqrt(|lon - 105|) term, whose slope is unbounded at 105 E.
    at_105 = [(105.0, 30.0), (105.0 + 1e-12, 30.0), (105.0 - 1e-12, 30.0), (105.0, 45.0)]
    return np.vstack([points, at_105, CHINA_EXTREMES])


@pytest.mark.parametrize("name,wgs,gcj", FORMULA_POINTS, ids=[p[0] for p in FORMULA_POINTS])
def test_forward_matches_the_published_formula_outputs(name, wgs, gcj):
    got = wgs84_to_gcj02(np.array([wgs]))
    assert distance_m(got, np.array([gcj]))[0] < FORMULA_TOLERANCE_M


@pytest.mark.parametrize("name,wgs,gcj", FORMULA_POINTS, ids=[p[0] for p in FORMULA_POINTS])
def test_inverse_of_the_published_formula_outputs_is_exact(name, wgs, gcj):
    # The one-step inverse misses shanghai_pudong by 1.9 m, so this tolerance tells them apart.
    got = gcj02_to_wgs84(np.array([gcj]))
    assert distance_m(got, np.array([wgs]))[0] < FORMULA_TOLERANCE_M


def test_forward_matches_published_city_pairs_across_china():
    wgs, gcj = _pairs(CITY_POINTS)
    got = wgs84_to_gcj02(wgs)
    errors = distance_m(got, gcj)
    assert errors.max() < CITY_TOLERANCE_M, dict(zip([p[0] for p in CITY_POINTS], errors.round(3), strict=True))
    residual = east_north_m(got, gcj)
    spread = np.hypot(*(residual - residual.mean(axis=0)).T)
    assert spread.max() < CITY_RESIDUAL_SPREAD_M, residual.round(3)


def test_inverse_lands_on_published_city_wgs84_across_china():
    wgs, gcj = _pairs(CITY_POINTS)
    errors = distance_m(gcj02_to_wgs84(gcj), wgs)
    assert errors.max() < CITY_TOLERANCE_M, dict(zip([p[0] for p in CITY_POINTS], errors.round(3), strict=True))


def test_round_trip_is_exact_across_china():
    points = _china_sample(20_000, seed=20240601)
    gcj = wgs84_to_gcj02(points)
    # Sanity: the sample really is offset (by 17-712 m over China's extent), not passed through.
    assert distance_m(points, gcj).min() > 10.0
    assert distance_m(gcj02_to_wgs84(gcj), points).max() < 0.01


def test_inverse_then_forward_returns_the_gcj02_input():
    gcj = _china_sample(20_000, seed=7)
    assert distance_m(wgs84_to_gcj02(gcj02_to_wgs84(gcj)), gcj).max() < 0.01


def test_china_extremes_are_inside_the_offset_region():
    extremes = np.array(CHINA_EXTREMES)
    assert in_offset_region(extremes[:, 0], extremes[:, 1]).all()
    assert (distance_m(extremes, wgs84_to_gcj02(extremes)) > 100.0).all()


def test_points_outside_the_offset_region_are_unchanged():
    outside = np.array(OUTSIDE_POINTS)
    assert not in_offset_region(outside[:, 0], outside[:, 1]).any()
    np.testing.assert_array_equal(wgs84_to_gcj02(outside), outside)
    np.testing.assert_array_equal(gcj02_to_wgs84(outside), outside)


def test_box_bounds_are_inclusive():
    lon_min, lon_max, lat_min, lat_max = OFFSET_REGION
    corners = np.array([(lon_min, lat_min), (lon_max, lat_max)])
    assert in_offset_region(corners[:, 0], corners[:, 1]).all()
    assert (distance_m(corners, wgs84_to_gcj02(corners)) > 1.0).all()


def test_mixed_array_converts_only_the_points_in_china():
    wgs, gcj = _pairs(FORMULA_POINTS)
    outside = np.array(OUTSIDE_POINTS)
    mixed = np.vstack([outside[:3], wgs, outside[3:]])
    got = wgs84_to_gcj02(mixed)
    np.testing.assert_array_equal(got[:3], outside[:3])
    np.testing.assert_array_equal(got[-5:], outside[3:])
    assert distance_m(got[3:-5], gcj).max() < FORMULA_TOLERANCE_M


@pytest.mark.parametrize("convert", [wgs84_to_gcj02, gcj02_to_wgs84])
def test_empty_input_gives_empty_float64_output(convert):
    got = convert(np.empty((0, 2)))
    assert got.shape == (0, 2)
    assert got.dtype == np.float64


@pytest.mark.parametrize("convert", [wgs84_to_gcj02, gcj02_to_wgs84])
def test_nan_passes_through_and_other_rows_still_convert(convert):
    coords = np.array(
        [
            [np.nan, np.nan],
            [116.404, np.nan],
            [np.nan, 39.915],
            [116.404, 39.915],
            [np.inf, 39.915],
        ]
    )
    got = convert(coords)
    np.testing.assert_array_equal(got[[0, 1, 2, 4]], coords[[0, 1, 2, 4]])  # NaN == NaN here
    np.testing.assert_array_equal(got[3], convert(coords[3:4])[0])
    assert distance_m(got[3:4], coords[3:4])[0] > 100.0


@pytest.mark.parametrize("convert", [wgs84_to_gcj02, gcj02_to_wgs84])
def test_input_is_not_modified(convert):
    coords = np.array([[116.404, 39.915], [121.47, 31.23], [-104.99, 39.74]])
    before = coords.copy()
    got = convert(coords)
    np.testing.assert_array_equal(coords, before)
    assert not np.shares_memory(got, coords)


@pytest.mark.parametrize("convert", [wgs84_to_gcj02, gcj02_to_wgs84])
@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_output_is_float64_whatever_the_input_dtype(convert, dtype):
    coords = np.array([[116, 40], [121, 31]], dtype=dtype)
    got = convert(coords)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, convert(coords.astype(np.float64)))


def test_extra_columns_such_as_z_are_kept():
    coords = np.array([[116.404, 39.915, 52.5], [-104.99, 39.74, 1609.0]])
    got = wgs84_to_gcj02(coords)
    np.testing.assert_array_equal(got[:, 2], coords[:, 2])
    np.testing.assert_array_equal(got[:, :2], wgs84_to_gcj02(coords[:, :2]))


@pytest.mark.parametrize("bad", [np.zeros(4), np.zeros((3, 1)), np.zeros((2, 2, 2))])
def test_wrong_shape_is_rejected(bad):
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        wgs84_to_gcj02(bad)


def test_shapely_transform_converts_every_vertex_of_a_polygon():
    # A street-sized block in Beijing, with a courtyard hole.
    shell = [(116.400, 39.900), (116.410, 39.900), (116.410, 39.908), (116.400, 39.908), (116.400, 39.900)]
    hole = [(116.404, 39.903), (116.406, 39.903), (116.406, 39.905), (116.404, 39.905), (116.404, 39.903)]
    polygon = shapely.Polygon(shell, [hole])

    moved = shapely.transform(polygon, wgs84_to_gcj02)

    assert moved.is_valid
    assert moved.geom_type == "Polygon" and len(moved.interiors) == 1
    np.testing.assert_array_equal(shapely.get_coordinates(moved), wgs84_to_gcj02(shapely.get_coordinates(polygon)))
    # Locally the offset is a near-translation of a few hundred metres: shape and area survive.
    assert 100.0 < distance_m(np.array(polygon.centroid.coords), np.array(moved.centroid.coords))[0] < 1000.0
    assert moved.area == pytest.approx(polygon.area, rel=1e-3)

    back = shapely.transform(moved, gcj02_to_wgs84)
    assert back.is_valid
    assert distance_m(shapely.get_coordinates(back), shapely.get_coordinates(polygon)).max() < 0.01


def test_shapely_transform_keeps_z_and_arrays_of_geometries():
    geometries = np.array([shapely.Point(116.404, 39.915, 52.5), shapely.Point(-104.99, 39.74, 1609.0)])
    moved = shapely.transform(geometries, wgs84_to_gcj02, include_z=True)
    coords = shapely.get_coordinates(moved, include_z=True)
    np.testing.assert_array_equal(coords[:, 2], [52.5, 1609.0])
    np.testing.assert_array_equal(coords[1, :2], [-104.99, 39.74])
    assert distance_m(coords[:1, :2], np.array([[116.41024449916938, 39.91640428150164]]))[0] < 0.01
