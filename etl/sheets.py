"""What the file readers hand to the loader: a ledger sheet, a read's result and its failures, and the
coordinate system given for boundary files. The spreadsheet reader (``etl.reader``) and the boundary
reader (``etl.boundaries``) both produce these, so neither needs to import the other's types."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from streetdash.schema import Kind

GCJ02 = "gcj02"

Progress = Callable[[int, int | None], None]


class LedgerError(Exception):
    """A file or sheet that cannot be read as a ledger; the message is a Chinese sentence."""


class NoHeaderError(LedgerError):
    """No row of the sheet looks like the header of any ledger."""


@dataclass
class LedgerSheet:
    """One ledger found in a file: its kind, where its header is, and its rows as raw text."""

    file: Path
    sheet: str | None
    kind: Kind
    header_row: int | None  # None for a boundary file (properties have no header row)
    columns: dict[str, str]  # field name -> header as written in the file
    ignored_headers: list[str]
    table: pa.Table  # one string column per mapped field, plus int64 ``_row`` (and a boundary's ``geometry``)
    # Problems found while reading, before staging: (row, field, value, reason). A boundary's geometry.
    problems: list[tuple[int, str, str | None, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the user should know (CRS used, repairs)
    header_end: int | None = None  # last header row of a header over several rows (else header_row)
    # Rows under the header that are not records (合计, 表尾, 备注): Excel row number -> what they are.
    skipped_rows: dict[int, str] = field(default_factory=dict)


@dataclass
class SheetFailure:
    file: Path
    sheet: str | None
    message: str
    skipped: bool = False  # a sheet beside ledgers that is not one (说明, lists): reported, not an error
    # A sheet that looks like a ledger but lacks required columns: what was recognised, so that a user
    # can place the missing columns (the upload page's column mapping).
    kind: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # field name -> header as written
    ignored: list[str] = field(default_factory=list)  # headers no field was found for
    missing: list[str] = field(default_factory=list)  # headers of the required fields not found


@dataclass
class ReadResult:
    sheets: list[LedgerSheet] = field(default_factory=list)
    failures: list[SheetFailure] = field(default_factory=list)


@dataclass(frozen=True)
class SourceCrs:
    """The coordinate system given with ``--crs``: ``gcj02`` or an EPSG code."""

    name: str  # "gcj02" or "EPSG:4547"

    @property
    def is_gcj02(self) -> bool:
        return self.name == GCJ02
