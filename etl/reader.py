"""Reading ledgers: files and sheets in, one Arrow table of raw text per ledger sheet out.

Every cell comes out as text (NFKC-normalised later, in bulk), with ``_row`` holding the row number
the user sees in Excel, so that every later error can point at the cell to fix.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import python_calamine

from etl.guard import Limits, check_content, check_path, csv_field_limit
from etl.layout import (
    LOST_DIGITS,
    Grid,
    HeaderBlock,
    Span,
    classify_rows,
    csv_groups,
    footer_rows_of_table,
    is_number_cell,
    is_options_list,
    locate_block,
    mask_number,
    skipped_note,
    spread_merges,
    title_rows,
)
from etl.sheets import LedgerError, LedgerSheet, NoHeaderError, Progress, ReadResult, SheetFailure, SourceCrs
from streetdash.schema import Kind, Schemas

LEDGER_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".csv"}
# The rejected-row workbooks the loader writes next to its input: never read back as ledgers.
REPORT_SUFFIX = "_错误报告.xlsx"
HEADER_SCAN_ROWS = 30


def find_ledger_files(paths: list[Path]) -> list[Path]:
    """Files to load: the given files, and every ledger or boundary file under the given folders (sorted)."""
    from etl.boundaries import FOLDER_BOUNDARY_SUFFIXES

    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and p.suffix.lower() in LEDGER_SUFFIXES | FOLDER_BOUNDARY_SUFFIXES
                and not p.name.endswith(REPORT_SUFFIX)
                and not p.name.startswith(("~$", "."))
            )
        else:
            found.append(path)
    return found


# ---------------------------------------------------------------------------------------------
# Header detection


def locate_header(
    rows: list[list[str]], schemas: Schemas, kind_name: str | None
) -> tuple[int, Kind, dict[int, str]] | None:
    """Index of the (first) header row among the first rows, with its kind and mapping."""
    block = locate_block(rows, schemas, kind_name, scan_rows=HEADER_SCAN_ROWS)
    return (block.top, block.kind, block.mapping) if block else None


class NotALedgerError(LedgerError):
    """A sheet that is not a ledger (a list of drop-down choices): skipped and named, not an error."""


class MissingColumnsError(LedgerError):
    """A sheet that looks like a ledger but lacks required columns; carries what was recognised."""

    def __init__(self, message: str, block: HeaderBlock):
        super().__init__(message)
        self.block = block


def check_block(block: HeaderBlock, where: str) -> None:
    """Raise if the header block lacks a required column: an error naming the columns found and the
    ones missing, or, for a sheet of nothing but choices, :class:`NotALedgerError`."""
    missing = block.missing
    if not missing:
        return
    found = "、".join(block.columns.values())
    if is_options_list(block):
        raise NotALedgerError(f"{where}只有可选值的列表（{found}），不是台账，已跳过")
    raise MissingColumnsError(
        f"{where}识别为{block.kind.title}，但缺少必填列：{'、'.join(missing)}（已识别的列：{found}）", block
    )


def failure_from(path: Path, sheet: str | None, exc: LedgerError) -> SheetFailure:
    """The failure of a sheet that could not be loaded, with what was recognised of it."""
    failure = SheetFailure(path, sheet, str(exc), skipped=isinstance(exc, NotALedgerError))
    if isinstance(exc, MissingColumnsError):
        block = exc.block
        failure.kind = block.kind.name
        failure.columns = block.columns
        failure.ignored = block.ignored
        failure.missing = block.missing
    return failure


def sheet_from_grid(file: Path, sheet: str | None, grid: Grid, schemas: Schemas, kind_name: str | None) -> LedgerSheet:
    """A worksheet's ledger: header block found (over up to three rows), merged values spread, totals,
    footers and notes set aside, ID and phone numbers stored as Excel numbers rejected."""
    where = f"文件 {file.name}" + (f" 工作表「{sheet}」" if sheet else "")
    block = locate_block(
        grid.cells, schemas, kind_name, groups=grid.groups, spans=grid.spans, scan_rows=HEADER_SCAN_ROWS
    )
    if block is None:
        wanted = f"{schemas.kinds[kind_name].title}的" if kind_name else "任何台账的"
        raise NoHeaderError(f"{where}：前 {HEADER_SCAN_ROWS} 行中找不到{wanted}表头行，请检查列名")
    check_block(block, f"{where}：")
    kind = block.kind
    start = block.bottom + 1
    under = classify_rows(
        [(r + 1, grid.written[r], r in grid.merged_notes) for r in range(start, len(grid.cells)) if grid.own[r]]
    )
    records = [r for r in range(start, len(grid.cells)) if r + 1 not in under]
    skipped = {**title_rows(grid.own[: block.top]), **under}
    problems: list[tuple[int, str, str | None, str]] = []
    columns = {}
    # A row only merged ranges reach is no record: its cells read as empty.
    width = max((len(row) for row in grid.cells), default=0)
    blank = [None] * width
    rows = [grid.cells[r] if grid.own[r] else blank for r in records]
    if any(len(row) != width for row in rows):  # spread_merges pads every row; zip would cut at a short one
        rows = [row + [None] * (width - len(row)) for row in rows]
    by_column = list(zip(*rows, strict=False)) or [()] * width  # transposed at C speed, rather than a loop per column
    for i, name in block.mapping.items():
        lost_digits = LOST_DIGITS.get(kind.field(name).type)
        values = list(by_column[i])
        if lost_digits:
            for k, r in enumerate(records):
                if values[k] is not None and is_number_cell(grid.raw[r][i]):
                    # Never hashed or checked: the digits are not the person's any more.
                    problems.append((r + 1, name, mask_number(values[k]), lost_digits))
                    values[k] = None
        columns[name] = pa.array(values, pa.string())
    table = pa.Table.from_pydict({**columns, "_row": pa.array([r + 1 for r in records], pa.int64())})
    note = skipped_note(skipped)
    return LedgerSheet(
        file=file,
        sheet=sheet,
        kind=kind,
        header_row=block.top + 1,
        header_end=block.bottom + 1,
        columns=block.columns,
        ignored_headers=block.ignored,
        table=table,
        problems=problems,
        notes=[note] if note else [],
        skipped_rows=skipped,
    )


# ---------------------------------------------------------------------------------------------
# Excel


def _cell_text(value: object) -> str | None:
    """A calamine cell as the text a person would type for it."""
    if type(value) is str:  # most cells: one test instead of the chain below
        return value or None
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if value.time() != dt.time() else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def read_workbook(path: Path, schemas: Schemas, kind_name: str | None = None) -> ReadResult:
    """Every sheet of an .xlsx/.xls workbook that holds a ledger (empty sheets are skipped)."""
    result = ReadResult()
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for corrupt or encrypted files
        result.failures.append(SheetFailure(path, None, f"文件 {path.name} 无法作为 Excel 打开：{exc}"))
        return result
    no_header: list[SheetFailure] = []
    for meta in workbook.sheets_metadata:
        name = meta.name
        if meta.visible != python_calamine.SheetVisibleEnum.Visible:
            # Drop-down lists and helper tables are hidden; a hidden sheet is nobody's ledger.
            message = f"文件 {path.name} 工作表「{name}」是隐藏的工作表，不是台账，已跳过"
            result.failures.append(SheetFailure(path, name, message, skipped=True))
            continue
        try:
            worksheet = workbook.get_sheet_by_name(name)
            # skip_empty_area=False keeps leading blank rows, so row numbers match what Excel shows.
            raw = worksheet.to_python(skip_empty_area=False)
            spans = [Span.from_calamine(m) for m in worksheet.merged_cell_ranges or []]
        except Exception as exc:
            result.failures.append(SheetFailure(path, name, f"文件 {path.name} 工作表「{name}」无法读取：{exc}"))
            continue
        # A non-empty string is its own text: tested inline, a million cells cost no million calls.
        rows = [[v if type(v) is str and v else _cell_text(v) for v in r] for r in raw]
        if not any(any(r) for r in rows):
            continue
        try:
            result.sheets.append(sheet_from_grid(path, name, spread_merges(raw, rows, spans), schemas, kind_name))
        except NoHeaderError as exc:
            no_header.append(SheetFailure(path, name, str(exc)))
        except LedgerError as exc:
            result.failures.append(failure_from(path, name, exc))
    for failure in no_header:
        if result.sheets:
            failure.skipped = True
            failure.message = f"文件 {path.name} 工作表「{failure.sheet}」不是台账（找不到表头行），已跳过"
        result.failures.append(failure)
    if not result.sheets and not result.failures:
        result.failures.append(SheetFailure(path, None, f"文件 {path.name} 没有任何数据"))
    return result


# ---------------------------------------------------------------------------------------------
# CSV


SNIFF_BYTES = 1 << 20


def detect_encoding(data: bytes, sniff: bool = False) -> str:
    """``utf-8-sig``, ``utf-8`` or ``gb18030`` (which also covers GBK and GB2312).

    With ``sniff``, UTF-8 is judged on the first megabyte only (a ledger's Chinese header row is
    never valid UTF-8 in GB18030); the caller then relies on the CSV reader's own UTF-8 check.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        if sniff and len(data) > SNIFF_BYTES:
            codecs.getincrementaldecoder("utf-8")().decode(data[:SNIFF_BYTES], final=False)
        else:
            data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc.start
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        line = data.count(b"\n", 0, utf8_error) + 1
        raise LedgerError(
            f"无法识别文件编码：既不是 UTF-8 也不是 GB18030/GBK（第 {line} 行有无法识别的字符）。"
            "请在 Excel 或 WPS 中另存为「CSV UTF-8」后再导入"
        ) from None


def _head_rows(text_head: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text_head))
    rows = []
    for _ in range(HEADER_SCAN_ROWS):
        try:
            rows.append([c.strip() or None for c in next(reader)])
        except (StopIteration, csv.Error):
            break
    return rows


def read_csv(
    path: Path,
    schemas: Schemas,
    kind_name: str | None = None,
    progress: Progress | None = None,
    limits: Limits | None = None,
) -> ReadResult:
    """A CSV ledger: encoding detected, header row found, rows read by pyarrow in bulk.

    pyarrow cannot say which line a row came from, so the fast path is taken only when row numbers
    follow from the position (no blank lines, no ragged rows); other files go through the csv module.
    A cell longer than ``limits.csv_field_kb`` refuses the file.
    """
    result = ReadResult()
    field_limit = csv_field_limit(limits or Limits.from_settings())
    csv.field_size_limit(field_limit)
    try:
        data = path.read_bytes()
        encoding = detect_encoding(data, sniff=True)
    except (OSError, LedgerError) as exc:
        result.failures.append(SheetFailure(path, None, f"文件 {path.name}：{exc}"))
        return result
    body = data[3:] if encoding == "utf-8-sig" else data
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    head_text = body[:262_144].decode(codec, errors="ignore")
    head = _head_rows(head_text)
    upper, groups = csv_groups(head)
    block = locate_block(head, schemas, kind_name, upper=upper, groups=groups, scan_rows=HEADER_SCAN_ROWS)
    if block is None:
        wanted = f"{schemas.kinds[kind_name].title}的" if kind_name else "任何台账的"
        result.failures.append(
            SheetFailure(path, None, f"文件 {path.name}：前 {HEADER_SCAN_ROWS} 行中找不到{wanted}表头行，请检查列名")
        )
        return result
    try:
        check_block(block, f"文件 {path.name}：")
    except LedgerError as exc:
        result.failures.append(failure_from(path, None, exc))
        return result
    index, kind = block.bottom, block.kind
    header = head[index]
    # The first two columns are read even when no field is found in them: a total or footer row says
    # what it is there (合计 in the 序号 column).
    mapping = {**block.mapping, **{i: f"_c{i}" for i in (0, 1) if i < len(header) and i not in block.mapping}}
    try:
        try:
            try:
                table = _read_csv_fast(body, codec, index, len(header), mapping, progress, field_limit)
            except _NeedsSlowPath:
                table = _read_csv_slow(body.decode(codec), index, mapping, progress)
        except (pa.ArrowInvalid, UnicodeDecodeError):
            # Past the sniffed head the file is not UTF-8 after all (or a cell outgrew pyarrow's block):
            # decide on the whole file, and read it with the csv module.
            codec = detect_encoding(data)
            table = _read_csv_slow(data.decode(codec).removeprefix("\ufeff"), index, mapping, progress)
    except LedgerError as exc:
        result.failures.append(SheetFailure(path, None, f"文件 {path.name}：{exc}"))
        return result
    under = footer_rows_of_table(table, kind, [mapping[i] for i in sorted(mapping)])
    if under:
        table = table.filter(pc.invert(pc.is_in(table["_row"], pa.array(list(under), pa.int64()))))
    skipped = {**title_rows([any(r) for r in head[: block.top]]), **under}
    table = table.drop_columns([name for name in table.column_names if name.startswith("_c")])
    note = skipped_note(skipped)
    result.sheets.append(
        LedgerSheet(
            file=path,
            sheet=None,
            kind=kind,
            header_row=block.top + 1,
            header_end=block.bottom + 1,
            columns=block.columns,
            ignored_headers=block.ignored,
            table=table,
            notes=[note] if note else [],
            skipped_rows=skipped,
        )
    )
    return result


class _NeedsSlowPath(Exception):
    pass


CHUNK_BYTES = 32 << 20
BLANK_LINE = re.compile(rb"\n\r?\n")


def _record_starts(body: bytes, header_index: int) -> int:
    """Byte offset of the first data row (the header is row ``header_index``, 0-based)."""
    offset = 0
    for _ in range(header_index + 1):
        offset = body.index(b"\n", offset) + 1
    return offset


def _head_has_multiline_values(head: bytes, codec: str, header_index: int) -> bool:
    """Whether a quoted title or header cell spans lines, so lines and rows differ before the data."""
    if b'"' not in head:
        return False
    return len(list(csv.reader(io.StringIO(head.decode(codec, errors="replace"))))) != header_index + 1


def _read_csv_fast(
    body: bytes,
    codec: str,
    header_index: int,
    width: int,
    mapping: dict[int, str],
    progress: Progress | None,
    field_limit: int,
) -> pa.Table:
    # Blank lines would be skipped by pyarrow and shift every later row number. (A regex finds them
    # several times faster than ``bytes.__contains__`` does for this needle.)
    if BLANK_LINE.search(body):
        raise _NeedsSlowPath
    names = [f"c{i}" for i in range(width)]
    bad_rows = []

    def on_invalid(row: pa_csv.InvalidRow) -> str:
        bad_rows.append(row)
        return "skip"

    start = _record_starts(body, header_index)
    # Quotes in the data may hide newlines inside values, so such a file is not cut at line ends.
    quoted = body.find(b'"', start) != -1 or _head_has_multiline_values(body[:start], codec, header_index)
    # "utf8" is pyarrow's native encoding; any other name (even "utf-8") goes through a Python codec.
    encoding = "utf8" if codec == "utf-8" else codec
    # A block holds whole rows: a cell up to the limit must fit in one (a longer one fails the read).
    read_options = pa_csv.ReadOptions(encoding=encoding, column_names=names, block_size=max(4 << 20, 2 * field_limit))
    parse_options = pa_csv.ParseOptions(newlines_in_values=quoted, invalid_row_handler=on_invalid)
    convert_options = pa_csv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        include_columns=[f"c{i}" for i in mapping],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        null_values=[""],
    )
    if quoted:
        read_options.skip_rows = header_index + 1
        start, chunks = 0, [body]
    else:
        # Cut at line ends into chunks, each parsed with all threads, so progress can be shown.
        chunks, pos = [], start
        while pos < len(body):
            end = min(pos + CHUNK_BYTES, len(body))
            end = body.find(b"\n", end) + 1 if end < len(body) else end
            end = end or len(body)
            chunks.append(body[pos:end])
            pos = end
    tables, done_bytes, done_rows = [], start, 0
    for chunk in chunks:
        table = pa_csv.read_csv(
            pa.BufferReader(chunk),
            read_options=read_options,
            parse_options=parse_options,
            convert_options=convert_options,
        )
        if bad_rows:
            raise _NeedsSlowPath
        tables.append(table)
        done_bytes += len(chunk)
        done_rows += table.num_rows
        if progress:
            progress(done_rows, round(done_rows * len(body) / done_bytes) if done_bytes else None)
    table = (
        pa.concat_tables(tables)
        if tables
        else pa.Table.from_pydict({f"c{i}": pa.array([], pa.string()) for i in mapping})
    )
    table = table.rename_columns([mapping[i] for i in mapping])
    first = header_index + 2
    for column in table.columns:
        if len(column) and (pc.max(pc.binary_length(column)).as_py() or 0) > field_limit:
            index = pc.indices_nonzero(pc.greater(pc.binary_length(column.combine_chunks()), field_limit))[0]
            raise LedgerError(_field_too_long(first + index.as_py(), field_limit))
    return table.append_column("_row", row_numbers(first, table.num_rows))


def row_numbers(first: int, count: int) -> pa.Array:
    """The row numbers ``first, first + 1, ...`` as an int64 array. Built over the buffer of a numpy
    range, not with ``pa.array``: that call imports pandas (a third of a second) to check its argument,
    and a CSV load needs pandas nowhere else."""
    return pa.Array.from_buffers(
        pa.int64(), count, [None, pa.py_buffer(np.arange(first, first + count, dtype=np.int64))]
    )


def _field_too_long(line: int, field_limit: int) -> str:
    return (
        f"第 {line:,} 行有一个单元格超过 {field_limit // 1024:,} KB，超过导入上限，未读取"
        "（多半不是台账，或引号不配对；上限由设置 ETL_MAX_CSV_FIELD_KB 决定）"
    )


def _read_csv_slow(text: str, header_index: int, mapping: dict[int, str], progress: Progress | None) -> pa.Table:
    rows: list[list[str | None]] = []
    reader = csv.reader(io.StringIO(text))
    try:
        for record in reader:
            rows.append([c if c != "" else None for c in record])
    except csv.Error as exc:
        line = len(rows) + 1  # the record being read, as Excel numbers it (a quoted cell may span lines)
        if "field larger than field limit" in str(exc):
            raise LedgerError(_field_too_long(line, csv.field_size_limit())) from None
        raise LedgerError(
            f"第 {line:,} 行无法按 CSV 读取（{exc}），请在 Excel 或 WPS 中另存为「CSV UTF-8」后再导入"
        ) from None
    data = rows[header_index + 1 :]
    if progress:
        progress(len(data), len(data))
    columns = {name: pa.array([r[i] if i < len(r) else None for r in data], pa.string()) for i, name in mapping.items()}
    start = header_index + 2
    columns["_row"] = pa.array(range(start, start + len(data)), pa.int64())
    return pa.Table.from_pydict(columns)


def read_ledger_file(
    path: Path,
    schemas: Schemas,
    kind_name: str | None = None,
    progress: Progress | None = None,
    crs: SourceCrs | None = None,
    limits: Limits | None = None,
) -> ReadResult:
    """All ledgers in one file (or boundary layers, for GIS files), or the reasons it could not be read.

    ``crs`` is the coordinate system of boundary files that do not declare theirs (``--crs``). A file
    beyond the ``limits`` (settings by default), or that no reader can make sense of, is one failure with
    a Chinese sentence naming it: never an exception, whatever the bytes.
    """
    from etl.boundaries import is_boundary_file, read_boundary_file

    limits = limits or Limits.from_settings()
    suffix = path.suffix.lower()
    known = suffix in {".csv", ".xlsx", ".xlsm", ".xls"} or is_boundary_file(path)
    if not known and path.exists() and not path.is_dir():
        return ReadResult(
            failures=[
                SheetFailure(
                    path,
                    None,
                    f"文件 {path.name} 不是支持的格式（台账：.xlsx、.xls、.csv；边界：.geojson、.shp、.zip、.gpkg）",
                )
            ]
        )
    refused = check_path(path, limits) or check_content(path, limits)
    if refused:
        return ReadResult(failures=[SheetFailure(path, None, refused)])
    try:
        if suffix == ".csv":
            return read_csv(path, schemas, kind_name, progress, limits)
        if suffix in {".xlsx", ".xlsm", ".xls"}:
            return read_workbook(path, schemas, kind_name)
        return read_boundary_file(path, schemas, kind_name, crs)
    except MemoryError:
        message = f"文件 {path.name} 太大，读取时内存不足，未读取；请拆分成几个文件后再导入"
    except Exception as exc:  # a reader's own failure on bytes it did not expect: one sentence, no traceback
        detail = f"{type(exc).__name__}: {exc}"
        detail = detail if len(detail) <= 160 else detail[:157] + "…"
        message = f"文件 {path.name} 无法读取，可能已损坏（{detail}）。请在 Excel 或 WPS 中打开并另存后再导入"
    return ReadResult(failures=[SheetFailure(path, None, message)])
