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
from etl.sheets import LedgerError, LedgerSheet, NoHeaderError, Progress, ReadResult, SheetFailure, SourceCrs
from streetdash.schema import Kind, Schemas, normalise_header

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


def match_header(cells: list[str], schemas: Schemas, kind_name: str | None) -> tuple[Kind, dict[int, str]] | None:
    """The kind and column->field mapping that a row of cells matches best, or None.

    A row is a header when at least two cells are headers of one kind; among kinds, the one that
    matches most fields wins, then the one with most of its required fields present.
    """
    normalised = [normalise_header(c) if c else "" for c in cells]
    best: tuple[tuple[int, int], Kind, dict[int, str]] | None = None
    kinds = [schemas.kinds[kind_name]] if kind_name else schemas.ledgers()
    for kind in kinds:
        header_map = kind.header_map()
        mapping: dict[int, str] = {}
        for i, h in enumerate(normalised):
            name = header_map.get(h)
            if name and name not in mapping.values():
                mapping[i] = name
        required = {f.name for f in kind.required_fields}
        score = (len(mapping), len(required & set(mapping.values())))
        if len(mapping) >= 2 and (best is None or score > best[0]):
            best = (score, kind, mapping)
    return (best[1], best[2]) if best else None


def locate_header(
    rows: list[list[str]], schemas: Schemas, kind_name: str | None
) -> tuple[int, Kind, dict[int, str]] | None:
    """Index of the header row among the first rows, with its kind and mapping."""
    best = None
    for index, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        found = match_header(cells, schemas, kind_name)
        if found and (best is None or len(found[1]) > len(best[2])):
            best = (index, *found)
    return best


def _check_required(kind: Kind, mapping: dict[int, str], where: str) -> None:
    missing = [f.header for f in kind.required_fields if f.name not in mapping.values()]
    if missing:
        raise LedgerError(f"{where}识别为{kind.title}，但缺少必填列：{'、'.join(missing)}")


def _sheet_from_rows(
    file: Path, sheet: str | None, rows: list[list[str]], schemas: Schemas, kind_name: str | None
) -> LedgerSheet:
    where = f"文件 {file.name}" + (f" 工作表「{sheet}」" if sheet else "")
    located = locate_header(rows, schemas, kind_name)
    if located is None:
        wanted = f"{schemas.kinds[kind_name].title}的" if kind_name else "任何台账的"
        raise NoHeaderError(f"{where}：前 {HEADER_SCAN_ROWS} 行中找不到{wanted}表头行，请检查列名")
    index, kind, mapping = located
    _check_required(kind, mapping, f"{where}：")
    header_cells = rows[index]
    data = rows[index + 1 :]
    columns = {name: pa.array([r[i] if i < len(r) else None for r in data], pa.string()) for i, name in mapping.items()}
    row_numbers = pa.array(range(index + 2, index + 2 + len(data)), pa.int64())
    table = pa.Table.from_pydict({**columns, "_row": row_numbers})
    return LedgerSheet(
        file=file,
        sheet=sheet,
        kind=kind,
        header_row=index + 1,
        columns={name: header_cells[i] for i, name in mapping.items()},
        ignored_headers=[c for i, c in enumerate(header_cells) if c and i not in mapping],
        table=table,
    )


# ---------------------------------------------------------------------------------------------
# Excel


def _cell_text(value: object) -> str | None:
    """A calamine cell as the text a person would type for it."""
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
    for name in workbook.sheet_names:
        try:
            # skip_empty_area=False keeps leading blank rows, so row numbers match what Excel shows.
            raw = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            result.failures.append(SheetFailure(path, name, f"文件 {path.name} 工作表「{name}」无法读取：{exc}"))
            continue
        rows = [[_cell_text(v) for v in r] for r in raw]
        if not any(any(r) for r in rows):
            continue
        try:
            result.sheets.append(_sheet_from_rows(path, name, rows, schemas, kind_name))
        except NoHeaderError as exc:
            no_header.append(SheetFailure(path, name, str(exc)))
        except LedgerError as exc:
            result.failures.append(SheetFailure(path, name, str(exc)))
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
    located = locate_header(head, schemas, kind_name)
    if located is None:
        wanted = f"{schemas.kinds[kind_name].title}的" if kind_name else "任何台账的"
        result.failures.append(
            SheetFailure(path, None, f"文件 {path.name}：前 {HEADER_SCAN_ROWS} 行中找不到{wanted}表头行，请检查列名")
        )
        return result
    index, kind, mapping = located
    try:
        _check_required(kind, mapping, f"文件 {path.name}：")
    except LedgerError as exc:
        result.failures.append(SheetFailure(path, None, str(exc)))
        return result
    header = head[index]
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
    result.sheets.append(
        LedgerSheet(
            file=path,
            sheet=None,
            kind=kind,
            header_row=index + 1,
            columns={name: header[i] for i, name in mapping.items()},
            ignored_headers=[c for i, c in enumerate(header) if c and i not in mapping],
            table=table,
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
    return table.append_column("_row", pa.array(np.arange(first, first + table.num_rows, dtype=np.int64)))


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
