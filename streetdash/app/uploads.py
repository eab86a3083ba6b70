"""Loading ledgers from the browser: who may, where uploads live while they are read, the preview (the
loader's dry run) and the load itself (the loader, with its transaction and atomic swap).

The one app module that uses the ETL: pages reach ``etl`` only through here, and the ETL is imported
inside the functions, so the other pages never pay for it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from streetdash import header_mappings
from streetdash.access import LOADING_ROLES, ROLES, Scope
from streetdash.app import auth
from streetdash.db import warehouse_version

if TYPE_CHECKING:
    from etl.load import BatchResult

log = logging.getLogger("streetdash.uploads")

LEDGER_TYPES = ["xlsx", "xlsm", "xls", "csv"]
BOUNDARY_TYPES = ["geojson", "json", "zip", "gpkg", "shp", "shx", "dbf", "prj", "cpg"]
UPLOAD_TYPES = LEDGER_TYPES + BOUNDARY_TYPES
MAX_NAME = 120


# ---------------------------------------------------------------------------------------------
# Who is loading


@dataclass(frozen=True)
class Uploader:
    """The user loading: a name for the audit trail, a role, and the scope rows are checked against."""

    name: str
    role: str
    scope: Scope

    @property
    def may_load(self) -> bool:
        return self.role in LOADING_ROLES

    @property
    def street(self) -> str | None:
        """The one street this user works for (whose saved column names apply), if there is one."""
        streets = self.scope.streets
        return streets[0] if streets is not None and len(streets) == 1 else None


def current_uploader() -> Uploader | None:
    """The signed-in user as an :class:`Uploader` (None before sign-in). An administrator without a
    data scope loads for every street: setting up a new installation starts with its first load."""
    user = auth.signed_in()
    if user is None:
        return None
    scope = Scope.everything() if user.role == "admin" and user.scope.is_empty else user.scope
    return Uploader(user.name, user.role, scope)


def role_name(role: str) -> str:
    return ROLES.get(role, role)


# ---------------------------------------------------------------------------------------------
# Uploads on disk, only while they are read


def safe_name(name: str) -> str:
    """A file name an upload may be saved under: no folders, no control characters, no leading dot or
    ``~$`` (which the loader skips as editor leftovers), not too long; the suffix kept."""
    name = re.split(r"[\\/]", name)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".").removeprefix("~$").strip()
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = stem[: MAX_NAME - len(suffix) - 1] or "上传文件"
    return f"{stem}.{suffix.lower()}" if suffix else stem


@contextmanager
def saved_uploads(files: Sequence[Any]) -> Iterator[Path]:
    """The uploads written into a private temporary folder (mode 700), removed afterwards whatever
    happens. Shapefile parts stay side by side there, as the loader expects. Two uploads of one name
    are told apart as the user would: 任务台账（2）.xlsx."""
    folder = Path(tempfile.mkdtemp(prefix="streetdash-upload-"))
    try:
        taken: set[str] = set()
        for f in files:
            name = safe_name(f.name)
            stem, dot, suffix = name.rpartition(".")
            if not dot:
                stem, suffix = name, ""
            n = 1
            while name.lower() in taken:
                n += 1
                name = f"{stem}（{n}）" + (f".{suffix}" if suffix else "")
            taken.add(name.lower())
            (folder / name).write_bytes(f.getvalue())
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def upload_limit_mb() -> int:
    """The largest upload the server takes (``server.maxUploadSize`` in .streamlit/config.toml)."""
    return int(st.get_option("server.maxUploadSize"))


def uploads_digest(files: Sequence[Any], *extra: object) -> str:
    """What a preview depends on: the files' names and bytes, and ``extra`` (mappings, the warehouse
    version), so a preview is made again only when one of them changes."""
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode("utf-8") + b"\0")
        h.update(hashlib.sha256(f.getvalue()).digest())
    h.update(json.dumps(extra, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8"))
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# Preview and load


def boundary_crs_options() -> list[str]:
    return ["（按文件声明）", "EPSG:4326", "EPSG:4490", "gcj02"]


def _crs(choice: str | None):
    from etl.boundaries import parse_crs

    return parse_crs(None if not choice or choice.startswith("（") else choice)


def preview(files: Sequence[Any], uploader: Uploader, crs: str | None = None) -> BatchResult:
    """The batch as it would load: every file read, every row checked and counted against the
    warehouse, in the loader's dry run (nothing written)."""
    from etl.load import load_paths

    with saved_uploads(files) as folder:
        return load_paths(
            [folder],
            crs=_crs(crs),
            scope=uploader.scope,
            dry_run=True,
            header_aliases=header_mappings.load_mappings(uploader.street),
        )


def commit(
    files: Sequence[Any],
    uploader: Uploader,
    crs: str | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> BatchResult:
    """Load the files as one batch: the same loader as ``python -m etl load`` (one transaction on a
    working copy, published by an atomic rename; the dashboard serves the old version until then),
    then the audit entry. A load in demo mode keeps the warehouse the demo (someone trying the upload
    page on the bundled demo stays signed in as its street secretary); any other load clears the mark."""
    from etl.load import load_paths

    user = auth.signed_in()
    with saved_uploads(files) as folder:
        result = load_paths(
            [folder],
            crs=_crs(crs),
            on_stage=on_stage,
            scope=uploader.scope,
            header_aliases=header_mappings.load_mappings(uploader.street),
            demo=user is not None and user.demo and auth.demo_mode(),
        )
    record_load_audit(uploader, result)
    return result


def record_load_audit(uploader: Uploader, result: BatchResult) -> None:
    """The audit entry of a load from the browser: which files, in which scope, what happened (file
    names and counts, no row content)."""
    files = "、".join(sorted({Path(s.file).name for s in result.sheets})) or "（无可读台账）"
    outcome = "已写入" if result.committed else ("预览" if result.dry_run else "未写入")
    auth.record(
        "load",
        f"{outcome}：{files}；范围 {uploader.scope.describe()}；新增 {sum(s.inserted for s in result.sheets):,} 行，"
        f"更新 {sum(s.updated for s in result.sheets):,} 行，拒绝 {len(result.rejected):,} 行，跳过 {len(result.skipped):,} 行",
    )


def rejected_workbook(result: BatchResult) -> bytes:
    from etl.report import rejected_workbook as workbook

    return workbook(result)


def warehouse_key() -> str:
    return warehouse_version()


# ---------------------------------------------------------------------------------------------
# What the page shows of a result


def has_boundary_files(files: Sequence[Any]) -> bool:
    return any(f.name.lower().rsplit(".", 1)[-1] in BOUNDARY_TYPES for f in files)


def kind_titles() -> dict[str, str]:
    from streetdash.schema import load_schemas

    return {k.name: k.title for k in load_schemas().ordered()}


def header_rows(s) -> str:
    from etl.report import header_rows as rows

    return rows(s)


def column_pairs(s) -> list[tuple[str, str]]:
    from etl.report import column_pairs as pairs

    return pairs(s)


def placeable_fields(s) -> list[tuple[str, str]]:
    """(field name, header) of the fields of a sheet's kind that no column became yet, for the user to
    place an unknown column on."""
    from streetdash.schema import load_schemas

    kinds = load_schemas().kinds
    if s.kind not in kinds:
        return []
    return [(f.name, f.header) for f in kinds[s.kind].fields if f.name not in s.columns]


NOT_LOADED = "（不导入）"


def save_column(uploader: Uploader, kind: str, header: str, field_name: str | None) -> None:
    """Remember a column placed by the user, for this user's street."""
    header_mappings.save_mapping(uploader.street, kind, header, field_name)


def save_columns(uploader: Uploader, kind: str, widgets: dict[str, str], fields: list[tuple[str, str]]) -> None:
    """The button's callback: every unknown column (header -> its selectbox's key) given a field."""
    by_header = {header: name for name, header in fields}
    for header, key in widgets.items():
        chosen = st.session_state.get(key)
        if chosen and chosen != NOT_LOADED and chosen in by_header:
            save_column(uploader, kind, header, by_header[chosen])


def saved_columns(uploader: Uploader) -> dict[str, dict[str, str]]:
    return header_mappings.load_mappings(uploader.street)


def sheet_table(result: BatchResult, done: bool) -> pd.DataFrame:
    """One row per file and sheet: kind, header rows, and what happens (or happened) to the rows."""
    titles = kind_titles()
    verb = "" if done else "将"
    return pd.DataFrame(
        [
            {
                "文件": s.file,
                "工作表": s.sheet or "",
                "台账类型": titles.get(s.kind, "—"),
                "表头行": header_rows(s),
                f"{verb}新增": s.inserted,
                f"{verb}更新": s.updated,
                "未变": s.unchanged,
                "重复覆盖": s.superseded,
                "跳过": s.skipped,
                "拒绝": s.rejected,
                "说明": s.message or "",
            }
            for s in result.sheets
        ]
    )


def rejected_table(result: BatchResult, limit: int | None = None) -> pd.DataFrame:
    rows = result.rejected[:limit] if limit else result.rejected
    return pd.DataFrame(
        [{"文件": r.file, "工作表": r.sheet or "", "行号": r.row, "列": r.column, "值": r.value or "", "原因": r.reason}
         for r in rows],
        columns=["文件", "工作表", "行号", "列", "值", "原因"],
    )  # fmt: skip


def skipped_table(result: BatchResult) -> pd.DataFrame:
    """The rows under the data that are not records (sheets skipped are in :func:`sheet_table`)."""
    return pd.DataFrame(
        [{"文件": r.file, "工作表": r.sheet or "", "行号": r.row, "原因": r.reason} for r in result.skipped if r.row],
        columns=["文件", "工作表", "行号", "原因"],
    )
