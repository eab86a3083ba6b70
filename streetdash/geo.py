"""Geographic helpers the ETL and the app share: WKB decoding, and WGS-84 <-> GCJ-02 ("Mars
coordinates", 火星坐标) conversion, vectorised with numpy.

Web maps of mainland China (AMap/Gaode, Tencent, Google China) draw on GCJ-02, a datum defined by the
national surveying bureau (国测局) as WGS-84 plus a deliberate, non-linear offset of up to about 700 m.
It has no EPSG code, so pyproj/PROJ cannot convert it: boundaries traced on those maps must be shifted
back to WGS-84 before they meet GPS data, and WGS-84 geometry must be shifted to GCJ-02 before it is
drawn on their tiles.

The forward formula is the widely published one, identical in the ``eviltransform`` (googollee),
``coordtransform`` (wandergis) and ``gcoord`` (hujiulong) projects: a polynomial-plus-sine offset,
north and east in metres, turned into degrees with the radii of curvature of the Krasovsky 1940
ellipsoid (semi-major axis ``a = 6378245.0`` m, first eccentricity squared
``ee = 0.00669342162296594323``). It applies only inside a bounding box around China (the
``outOfChina`` box of eviltransform, which contains all of China's territory with at least a degree
to spare, and parts of its neighbours); outside it GCJ-02 equals WGS-84.

The formula has no closed-form inverse. The one-step approximation ``g - offset(g)`` that most
libraries ship is off by up to about 5 m; here the inverse solves ``forward(w) = g`` by fixed-point
iteration ``w = g - offset(w)``. The offset changes by less than a centimetre per metre of position,
so each step shrinks the error more than a hundredfold and the iteration reaches
``INVERSE_TOLERANCE_DEG`` in five steps.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def geometries_from_wkb(blobs) -> np.ndarray:
    """Shapely geometries from WKB as DuckDB returns BLOBs to pandas (bytearray, or None)."""
    import shapely  # imported on use: loading spreadsheets alone never needs it

    return shapely.from_wkb([None if b is None else bytes(b) for b in blobs])


# Krasovsky 1940 ellipsoid, the one the published GCJ-02 formula scales its metre offsets with.
KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323

# eviltransform's outOfChina box (lon min, lon max, lat min, lat max), bounds inclusive. The narrower
# box of coordtransform (73.66-135.05 E, 3.86-53.55 N) leaves out the tips of Heilongjiang (Fuyuan,
# 135.08 E; Mohe, 53.56 N), so it is not used.
OFFSET_REGION = (72.004, 137.8347, 0.8293, 55.8271)

# 1e-10 degrees is about 0.01 mm, far below any map's precision, and still well above float64
# rounding at these magnitudes (about 1e-14 degrees).
INVERSE_TOLERANCE_DEG = 1e-10
INVERSE_MAX_ITERATIONS = 30


def in_offset_region(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Tell which points GCJ-02 offsets.

    Parameters
    ----------
    lon, lat : numpy.ndarray
        Longitudes and latitudes in degrees, same shape.

    Returns
    -------
    numpy.ndarray
        Boolean array, True inside ``OFFSET_REGION``; False outside it and for NaN or infinite values.
    """
    lon_min, lon_max, lat_min, lat_max = OFFSET_REGION
    # Comparisons with NaN are False, so NaN lands outside and passes through untouched.
    return (lon >= lon_min) & (lon <= lon_max) & (lat >= lat_min) & (lat <= lat_max)


def _offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS-84 at (lon, lat), in degrees of longitude and latitude."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    shared = 20.0 * np.sin(6.0 * np.pi * x) + 20.0 * np.sin(2.0 * np.pi * x)
    north_m = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * sqrt_abs_x
        + (
            shared
            + 20.0 * np.sin(np.pi * y)
            + 40.0 * np.sin(np.pi * y / 3.0)
            + 160.0 * np.sin(np.pi * y / 12.0)
            + 320.0 * np.sin(np.pi * y / 30.0)
        )
        * (2.0 / 3.0)
    )
    east_m = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * sqrt_abs_x
        + (
            shared
            + 20.0 * np.sin(np.pi * x)
            + 40.0 * np.sin(np.pi * x / 3.0)
            + 150.0 * np.sin(np.pi * x / 12.0)
            + 300.0 * np.sin(np.pi * x / 30.0)
        )
        * (2.0 / 3.0)
    )
    lat_rad = np.radians(lat)
    w = 1.0 - KRASOVSKY_EE * np.sin(lat_rad) ** 2
    meridian_radius = KRASOVSKY_A * (1.0 - KRASOVSKY_EE) / (w * np.sqrt(w))
    parallel_radius = KRASOVSKY_A / np.sqrt(w) * np.cos(lat_rad)
    return np.degrees(east_m / parallel_radius), np.degrees(north_m / meridian_radius)


def _as_coords(coords: ArrayLike) -> np.ndarray:
    # Always a fresh float64 copy: the caller's array is never written to.
    array = np.array(coords, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] < 2:
        raise ValueError(f"expected an (N, 2) array of lon/lat in degrees, got shape {array.shape}")
    return array


def wgs84_to_gcj02(coords: ArrayLike) -> np.ndarray:
    """Convert WGS-84 longitude/latitude to GCJ-02.

    Parameters
    ----------
    coords : array_like
        (N, 2) array of (lon, lat) in degrees. Further columns (such as z, when called through
        ``shapely.transform(..., include_z=True)``) are copied unchanged.

    Returns
    -------
    numpy.ndarray
        New float64 array of the same shape. Points outside ``OFFSET_REGION`` and rows with a NaN or
        infinite coordinate are returned unchanged; the input is not modified.

    Notes
    -----
    Takes and returns whole coordinate arrays, so whole geometries convert in one call with
    ``shapely.transform(geometry, wgs84_to_gcj02)``.
    """
    out = _as_coords(coords)
    inside = in_offset_region(out[:, 0], out[:, 1])
    d_lon, d_lat = _offset(out[inside, 0], out[inside, 1])
    out[inside, 0] += d_lon
    out[inside, 1] += d_lat
    return out


def gcj02_to_wgs84(coords: ArrayLike) -> np.ndarray:
    """Convert GCJ-02 longitude/latitude back to WGS-84, exactly (by iteration).

    Solves ``wgs84_to_gcj02(w) == g`` to ``INVERSE_TOLERANCE_DEG`` (about 0.01 mm), so a round trip
    returns the original point; the usual one-step approximation is off by up to about 5 m.

    Parameters
    ----------
    coords : array_like
        (N, 2) array of GCJ-02 (lon, lat) in degrees. Further columns are copied unchanged.

    Returns
    -------
    numpy.ndarray
        New float64 array of the same shape. Points outside ``OFFSET_REGION`` and rows with a NaN or
        infinite coordinate are returned unchanged; the input is not modified.

    Notes
    -----
    As in the reference implementations, whether a point is offset is decided on the GCJ-02 input.
    This only differs from deciding on the result within a kilometre of the box edges, which lie at
    least a degree outside China.
    """
    out = _as_coords(coords)
    inside = in_offset_region(out[:, 0], out[:, 1])
    gcj_lon = out[inside, 0]
    gcj_lat = out[inside, 1]
    lon, lat = gcj_lon, gcj_lat
    for _ in range(INVERSE_MAX_ITERATIONS):
        d_lon, d_lat = _offset(lon, lat)
        next_lon = gcj_lon - d_lon
        next_lat = gcj_lat - d_lat
        change = np.maximum(np.abs(next_lon - lon), np.abs(next_lat - lat))
        lon, lat = next_lon, next_lat
        if change.max(initial=0.0) < INVERSE_TOLERANCE_DEG:
            break
    out[inside, 0] = lon
    out[inside, 1] = lat
    return out
