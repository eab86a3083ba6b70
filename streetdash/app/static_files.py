"""Large read-only documents (the map's GeoJSON) published as static files the browser fetches itself.

A plotly map takes its GeoJSON as an object or as a URL. Inside the figure, the geometry of 5,000
grids costs the server seconds on every rerun (Streamlit copies, validates and serialises the whole
figure each time) and the browser megabytes per click. Published once per warehouse version and scope
under ``static/maps/`` and served by Streamlit's static file serving (``server.enableStaticServing``:
same origin, so it works on a network without internet), it costs nothing per rerun, and the browser
revalidates it with its ETag instead of downloading it again.

Streamlit serves static files to anyone who can reach the server, signed in or not. The files hold only
polygons and grid codes, and their names include a random value drawn when the server starts, so a name
cannot be worked out from the warehouse and the scope: only a page shown to a signed-in user of that
scope tells it.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from pathlib import Path

from streetdash.config import PROJ_ROOT

# Streamlit serves <folder of dashboard.py>/static at /app/static/.
STATIC_DIR = PROJ_ROOT / "static"
MAPS_DIR = STATIC_DIR / "maps"
KEEP_FILES = 64  # older versions' files beyond this are removed
_SALT = secrets.token_hex(16)  # per server process: file names are not derivable from what they show


def publish_json(document: dict, *identity: object) -> str:
    """Write ``document`` once under ``static/maps/`` (named by ``identity``) and return its URL path.

    ``identity`` must change whenever the document does (the warehouse version, the scope, the level
    of detail): the name is a hash of it, so a file once written is never rewritten.
    """
    name = hashlib.sha256(json.dumps([_SALT, *map(str, identity)]).encode()).hexdigest()[:32] + ".geojson"
    path = MAPS_DIR / name
    if not path.exists():
        MAPS_DIR.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".tmp-{os.getpid()}")
        partial.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(partial, path)  # readers see the whole file or none
        _prune()
    return url_path(path)


def url_path(path: Path) -> str:
    """The URL path the app serves a file of ``static/`` at, under Streamlit's ``server.baseUrlPath``."""
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    relative = path.relative_to(STATIC_DIR).as_posix()
    return "/" + "/".join(part for part in (base, "app/static", relative) if part)


def _prune() -> None:
    files = sorted(MAPS_DIR.glob("*.geojson"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in files[KEEP_FILES:]:
        stale.unlink(missing_ok=True)
