"""The 数据探索 workspace without Streamlit: the catalogue of tables, views and columns with Chinese
descriptions, filtered previews, and the SQL of the pivot builder."""

from __future__ import annotations

import pandas as pd

GEOMETRY_NAMES = ("geometry", "geom", "shape", "boundary")


def _blob_label(column: str, value) -> str:
    kind = "几何" if any(n in column.lower() for n in GEOMETRY_NAMES) else "二进制"
    return f"〈{kind} {len(value):,} 字节〉"


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` ready to show or save: binary values (WKB geometry …) as a short placeholder such as
    〈几何 123 字节〉, and repeated column names made unique (a table cannot show two columns "n")."""
    out = frame.copy()
    seen: dict[str, int] = {}
    names = []
    for name in map(str, out.columns):
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    out.columns = names
    for name in names:
        column = out[name]
        if column.dtype == object and column.map(lambda v: isinstance(v, bytes | bytearray | memoryview)).any():
            out[name] = column.map(
                lambda v, n=name: _blob_label(n, bytes(v)) if isinstance(v, bytes | bytearray | memoryview) else v
            )
    return out
