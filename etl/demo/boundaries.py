"""Boundary polygons of the communities and grids, as drawn by ``places.layout``."""

from __future__ import annotations

from etl.demo.world import World


def boundary_collections(generator: World) -> tuple[dict, dict]:
    """GeoJSON FeatureCollections (WGS-84) of the community blocks and grid cells of ``places.layout()``."""

    def feature(bbox: tuple[float, float, float, float], properties: dict) -> dict:
        west, south, east, north = bbox
        ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
        return {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon", "coordinates": [ring]}}

    communities = [feature(c.bbox, {"社区编码": c.code, "社区名称": c.name}) for c in generator.communities]
    grids = [
        feature(g["cell"], {"网格编码": g["grid_id"], "网格名称": g["name"]})
        for c in generator.communities
        for g in c.grids
    ]
    return ({"type": "FeatureCollection", "features": communities}, {"type": "FeatureCollection", "features": grids})
