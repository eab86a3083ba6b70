"""A street's own column names: headers its ledgers use that the schema does not know, placed once by a
user on the upload page and used for that header from then on.

Kept as data, one JSON file per street in the folder ``$STREETDASH_HEADER_MAPPINGS`` (default
``data/local/header_mappings/``, not in the repository, not in the warehouse), shaped like the loader's
``header_aliases``: ``{"tasks": {"事项编号": "task_id"}}``. Listing never creates anything; the first
save creates the folder and the file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

from streetdash.config import setting
from streetdash.schema import load_schemas, normalise_header

SHARED = "全部街道"  # the file of users whose scope is not one street
_SAFE_NAME = re.compile(r"[\w\u3400-\u4dbf\u4e00-\u9fff（）()·-]{1,40}")


def mappings_dir(folder: str | os.PathLike | None = None) -> Path:
    return Path(folder) if folder else Path(setting("STREETDASH_HEADER_MAPPINGS"))


def mapping_file(street: str | None, folder: str | os.PathLike | None = None) -> Path:
    """The file of ``street`` (or of users of several streets): its name, or a digest of an odd one."""
    name = street or SHARED
    if not _SAFE_NAME.fullmatch(name) or name.startswith("."):
        name = "street-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]
    return mappings_dir(folder) / f"{name}.json"


def load_mappings(street: str | None, folder: str | os.PathLike | None = None) -> dict[str, dict[str, str]]:
    """``{kind: {header: field}}`` saved for ``street``; empty when nothing was saved (or the file is
    unreadable: a mapping is a convenience, never a reason for a load to fail). Entries whose kind or
    field the schema no longer has are left out."""
    path = mapping_file(street, folder)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    kinds = load_schemas().kinds
    out: dict[str, dict[str, str]] = {}
    for kind_name, headers in raw.items() if isinstance(raw, dict) else ():
        if kind_name not in kinds or not isinstance(headers, dict):
            continue
        names = {f.name for f in kinds[kind_name].fields}
        kept = {str(h): str(f) for h, f in headers.items() if f in names and normalise_header(str(h))}
        if kept:
            out[kind_name] = kept
    return out


def save_mapping(
    street: str | None, kind: str, header: str, field_name: str | None, folder: str | os.PathLike | None = None
) -> dict[str, dict[str, str]]:
    """Remember that ``header`` in ``street``'s ledgers of ``kind`` is ``field_name`` (None forgets it);
    returns the street's mappings. Written to a temporary file and renamed, so a reader never sees
    half a file."""
    kinds = load_schemas().kinds
    if kind not in kinds:
        raise ValueError(f"unknown ledger kind {kind!r}")
    if field_name is not None and field_name not in {f.name for f in kinds[kind].fields}:
        raise ValueError(f"{kind} has no field {field_name!r}")
    mappings = load_mappings(street, folder)
    headers = mappings.setdefault(kind, {})
    if field_name is None:
        headers.pop(header, None)
    else:
        headers[header] = field_name
    mappings = {k: v for k, v in mappings.items() if v}
    path = mapping_file(street, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".mapping-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(mappings, f, ensure_ascii=False, indent=2, sort_keys=True)
    os.replace(tmp, path)
    return mappings
