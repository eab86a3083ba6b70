"""Refusing files that would hurt the loader, before any reader touches them.

A ledger file comes from a download folder, a USB stick or a chat group. Before calamine or pyarrow
sees it, its size, its archive (an .xlsx is a zip: member sizes and compression ratios from the central
directory, then each member inflated by this module under those limits) and the size of each sheet
(the declared ``<dimension>`` and the cells really present, by a streaming scan) are checked against
the limits in the settings, and an .xls file's OLE structure and BIFF records are walked. A bad file
gets one Chinese sentence naming it; nothing here raises for a bad file, and memory stays bounded: data
is read in chunks, never whole.
"""

from __future__ import annotations

import html
import posixpath
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from streetdash.config import int_setting

MB = 1 << 20
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
MAX_ZIP_MEMBERS = 10_000  # an .xlsx has a few dozen; more is a hostile archive (each costs memory to list)
RATIO_FLOOR = MB  # members smaller than this may compress by any ratio (a page of spaces, say)
CHUNK = 8 * MB
EXCEL_MAX_ROWS, EXCEL_MAX_COLUMNS = 1_048_576, 16_384


@dataclass(frozen=True)
class Limits:
    """What the loader accepts; every limit is a setting (see ``streetdash.config.SETTINGS``)."""

    file_mb: int
    unpacked_mb: int
    compression_ratio: int
    sheet_rows: int
    sheet_columns: int
    sheet_cells: int
    csv_field_kb: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            file_mb=int_setting("ETL_MAX_FILE_MB"),
            unpacked_mb=int_setting("ETL_MAX_UNPACKED_MB"),
            compression_ratio=int_setting("ETL_MAX_COMPRESSION_RATIO"),
            sheet_rows=int_setting("ETL_MAX_SHEET_ROWS"),
            sheet_columns=int_setting("ETL_MAX_SHEET_COLUMNS"),
            sheet_cells=int_setting("ETL_MAX_SHEET_CELLS"),
            csv_field_kb=int_setting("ETL_MAX_CSV_FIELD_KB"),
        )

    def sheet_text(self) -> str:
        return (
            f"每个工作表最多 {self.sheet_rows:,} 行、{self.sheet_columns:,} 列、{self.sheet_cells:,} 个单元格，"
            "由设置 ETL_MAX_SHEET_ROWS、ETL_MAX_SHEET_COLUMNS、ETL_MAX_SHEET_CELLS 决定"
        )

    def sheet_fits(self, rows: int, columns: int) -> bool:
        return rows <= self.sheet_rows and columns <= self.sheet_columns and rows * columns <= self.sheet_cells


class Refused(Exception):
    """A file the loader will not read; the message is a Chinese sentence naming the file."""


# ---------------------------------------------------------------------------------------------
# Any file


def check_path(path: Path, limits: Limits) -> str | None:
    """Why ``path`` cannot be read at all (missing, not a plain file, no permission, empty, too big), or None."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return f"文件 {path} 不存在"
    except PermissionError:
        return f"文件 {path.name} 无法访问（没有权限），请检查文件权限"
    except OSError as exc:
        return f"文件 {path.name} 无法访问：{exc.strerror or exc}"
    if stat.S_ISDIR(info.st_mode):
        return f"{path.name} 是一个文件夹，不是台账文件"
    if not stat.S_ISREG(info.st_mode):
        return f"{path.name} 不是普通文件（是设备、管道或套接字），未读取"
    if info.st_size == 0:
        return f"文件 {path.name} 是空文件（0 字节），未读取"
    if info.st_size > limits.file_mb * MB:
        return (
            f"文件 {path.name} 有 {info.st_size / MB:,.0f} MB，超过单个文件的上限 {limits.file_mb:,} MB，未读取"
            "（上限由设置 ETL_MAX_FILE_MB 决定）"
        )
    try:
        with open(path, "rb"):
            pass
    except PermissionError:
        return f"文件 {path.name} 没有读取权限，请检查文件权限"
    except OSError as exc:
        return f"文件 {path.name} 无法打开：{exc.strerror or exc}"
    return None


def check_content(path: Path, limits: Limits) -> str | None:
    """Why a readable file must not reach its reader (a bomb, a corrupt archive, a disguised format), or None."""
    suffix = path.suffix.lower()
    try:
        with open(path, "rb") as f:
            head = f.read(8)
        if suffix in {".xlsx", ".xlsm"}:
            return check_xlsx(path, head, limits)
        if suffix == ".xls":
            return check_xls(path, head, limits)
        if suffix == ".csv":
            return check_csv_head(path)
        if suffix == ".zip":  # a zipped Shapefile: GDAL unpacks it
            _check_entry_count(path)
            with zipfile.ZipFile(path) as archive:
                _check_members(path, archive, limits)
    except Refused as exc:
        return str(exc)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, struct.error, zlib.error, ValueError) as exc:
        return _damaged(path, exc)
    except OSError as exc:
        return f"文件 {path.name} 读取失败：{exc.strerror or exc}"
    return None


def _damaged(path: Path, exc: Exception | None = None) -> str:
    return (
        f"文件 {path.name} 已损坏或不完整，无法读取（{_detail(exc)}）。请在 Excel 或 WPS 中打开并另存后再导入"
        if exc
        else f"文件 {path.name} 已损坏或不完整，无法读取。请在 Excel 或 WPS 中打开并另存后再导入"
    )


def _detail(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "…"


# ---------------------------------------------------------------------------------------------
# CSV


def check_csv_head(path: Path) -> str | None:
    """A spreadsheet or binary file named .csv (NUL bytes never occur in a text ledger)."""
    with open(path, "rb") as f:
        head = f.read(65_536)
    if head.startswith(ZIP_MAGIC):
        return f"文件 {path.name} 实际上是 Excel（.xlsx）文件，不是 CSV，请把扩展名改为 .xlsx 后再导入"
    if head.startswith(OLE_MAGIC):
        return f"文件 {path.name} 实际上是旧版 Excel（.xls）文件，不是 CSV，请把扩展名改为 .xls 后再导入"
    # (UTF-16 text, which starts with a byte-order mark, is left to the encoding check and its advice.)
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return f"文件 {path.name} 不是文本文件（含有二进制内容），不能作为 CSV 读取"
    return None


def csv_field_limit(limits: Limits) -> int:
    """The longest cell a CSV may hold, in characters for the csv module and bytes for pyarrow."""
    return limits.csv_field_kb * 1024


# ---------------------------------------------------------------------------------------------
# .xlsx: the zip archive, then every sheet's size


def check_xlsx(path: Path, head: bytes, limits: Limits) -> str | None:
    if head.startswith(OLE_MAGIC):
        with open(path, "rb") as f:
            directory = f.read(1 * MB)
        if "EncryptionInfo".encode("utf-16-le") in directory:
            return f"文件 {path.name} 设置了打开密码（已加密），请在 Excel 或 WPS 中取消密码后另存再导入"
        return (
            f"文件 {path.name} 实际上是旧版 Excel（.xls）格式，请把扩展名改为 .xls，或在 Excel 中另存为 .xlsx 后再导入"
        )
    if not head.startswith(ZIP_MAGIC):
        return (
            f"文件 {path.name} 不是有效的 Excel 工作簿（内容不是 .xlsx 格式，可能已损坏，或只是改了扩展名）。"
            "请在 Excel 或 WPS 中打开并另存为 .xlsx 后再导入"
        )
    _check_entry_count(path)
    with zipfile.ZipFile(path) as archive:
        members = _check_members(path, archive, limits)
        sheets = _worksheet_names(path, archive)
        for info in members:  # every member, whatever its name: a sheet may be stored as "/data/t.bin"
            scanner, tail = None, b""
            for chunk in _inflate(path, archive, info):
                # A worksheet: named so by the workbook, or anything holding sheet data (whatever its path).
                if scanner is None and (info.filename in sheets or b"sheetData" in tail + chunk):
                    scanner = SheetScanner(path, sheets.get(info.filename, info.filename), limits)
                    if tail:
                        scanner.feed(tail)
                if scanner:
                    scanner.feed(chunk)
                tail = chunk[-64:]
            if scanner:
                scanner.finish(lambda info=info: _inflate(path, archive, info))
    return None


def _check_entry_count(path: Path) -> None:
    """Refuse an archive listing more members than any workbook has, before ``zipfile`` lists them all."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        f.seek(max(0, size - 65_557))
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        raise zipfile.BadZipFile("找不到压缩包目录")
    entries, directory_size = struct.unpack_from("<H", tail, at + 10)[0], struct.unpack_from("<I", tail, at + 12)[0]
    if entries == 0xFFFF or directory_size == 0xFFFFFFFF:  # zip64: the real counts are elsewhere
        locator = tail.rfind(b"PK\x06\x07", 0, at)
        if locator >= 0:
            offset = struct.unpack_from("<Q", tail, locator + 8)[0]
            with open(path, "rb") as f:
                f.seek(offset)
                record = f.read(56)
            if record[:4] == b"PK\x06\x06":
                entries = struct.unpack_from("<Q", record, 32)[0]
    if entries > MAX_ZIP_MEMBERS or directory_size > 64 * MB:
        raise Refused(f"文件 {path.name} 的压缩包中有 {entries:,} 个部件，远多于正常的工作簿或压缩包，未读取")


def _check_members(path: Path, archive: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo]:
    """The archive's members, once their declared sizes and compression ratios are within the limits."""
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise Refused(f"文件 {path.name} 的压缩包中有 {len(members):,} 个部件，远多于正常的工作簿或压缩包，未读取")
    total = sum(info.file_size for info in members)
    if total > limits.unpacked_mb * MB:
        raise Refused(
            f"文件 {path.name} 解压后有 {total / MB:,.0f} MB，超过上限 {limits.unpacked_mb:,} MB"
            "（可能是压缩炸弹），未读取（上限由设置 ETL_MAX_UNPACKED_MB 决定）"
        )
    for info in members:
        if info.flag_bits & 0x1:
            raise Refused(f"文件 {path.name} 中的 {info.filename} 已加密，无法读取，请取消密码后另存再导入")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise Refused(f"文件 {path.name} 使用了不支持的压缩方式，请在 Excel 或 WPS 中另存为 .xlsx 后再导入")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > limits.compression_ratio:
            raise Refused(
                f"文件 {path.name} 中的 {info.filename} 压缩比为 {ratio:,.0f} 倍，超过上限 {limits.compression_ratio:,} 倍"
                "（可能是压缩炸弹），未读取（上限由设置 ETL_MAX_COMPRESSION_RATIO 决定）"
            )
    return members


def _inflate(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A member's bytes in chunks, inflated here rather than by ``zipfile``, which stops at the declared
    size: a member that inflates to more than its directory says (what calamine's own unzip would read
    on) is refused, as is one whose checksum is wrong."""
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)
        if len(local) < 30 or local[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"{info.filename} 的位置不对")
        name_length, extra_length = struct.unpack_from("<HH", local, 26)
        f.seek(info.header_offset + 30 + name_length + extra_length)
        inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        left, produced, crc = info.compress_size, 0, 0
        while left > 0 or (inflater is not None and inflater.unconsumed_tail):
            data = inflater.unconsumed_tail if inflater is not None and inflater.unconsumed_tail else b""
            if not data:
                data = f.read(min(CHUNK, left))
                if not data:
                    raise zipfile.BadZipFile(f"{info.filename} 不完整（文件被截断）")
                left -= len(data)
            out = inflater.decompress(data, CHUNK) if inflater is not None else data
            produced += len(out)
            if produced > info.file_size:
                raise Refused(
                    f"文件 {path.name} 中的 {info.filename} 解压后比压缩包目录所写的更大（已损坏或是压缩炸弹），未读取"
                )
            crc = zlib.crc32(out, crc)
            yield out
            if inflater is not None and inflater.eof:
                break
    if produced != info.file_size or crc != info.CRC:
        raise zipfile.BadZipFile(f"{info.filename} 校验失败")


def _worksheet_names(path: Path, archive: zipfile.ZipFile) -> dict[str, str]:
    """Member path -> sheet name, from the workbook and its relationships (small parts, read whole)."""
    try:
        workbook = _small_member(archive, "xl/workbook.xml")
        rels = _small_member(archive, "xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets = {}
    for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        rid = re.search(rb'\bId\s*=\s*["\']([^"\']*)', tag)
        target = re.search(rb'\bTarget\s*=\s*["\']([^"\']*)', tag)
        if rid and target:
            t = target.group(1).decode("utf-8", "replace")
            targets[rid.group(1)] = posixpath.normpath(t.lstrip("/") if t.startswith("/") else "xl/" + t)
    names = {}
    for tag in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", workbook):
        name = re.search(rb'\bname\s*=\s*["\']([^"\']*)', tag)
        rid = re.search(rb'\b(?:\w+:)?id\s*=\s*["\']([^"\']*)', tag)
        if name and rid and rid.group(1) in targets:
            names[targets[rid.group(1)]] = _xml_text(name.group(1))
    return names


def _small_member(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > 4 * MB:  # a workbook part of a few KB, in any real file
        raise Refused(
            f"文件 {archive.filename and Path(archive.filename).name} 的工作簿结构异常（{name} 过大），未读取"
        )
    return archive.read(info)


def _xml_text(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
        text = text.replace(entity, char)
    return text


def column_number(letters: str) -> int:
    """``A`` -> 1, ``Z`` -> 26, ``AA`` -> 27, ``XFD`` -> 16384."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _greater_number(n: int) -> str:
    """A regex matching decimal numbers (no sign) greater than ``n``; leading zeros count as greater."""
    digits = str(n)
    options = [f"[0-9]{{{len(digits) + 1},}}", "0[0-9]*"]
    for i, d in enumerate(digits):
        if d != "9":
            options.append(
                digits[:i] + f"[{int(d) + 1}-9]" + (f"[0-9]{{{len(digits) - i - 1}}}" if i < len(digits) - 1 else "")
            )
    return "(?:" + "|".join(options) + ")"


def _greater_column(n: int) -> str:
    """A regex matching column letters (either case) of a column number greater than ``n``."""
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    options = [f"[A-Za-z]{{{len(letters) + 1},}}"]
    for i, ch in enumerate(letters):
        if ch != "Z":
            nxt = chr(ord(ch) + 1)
            prefix = "".join(f"[{c}{c.lower()}]" for c in letters[:i])
            tail = f"[A-Za-z]{{{len(letters) - i - 1}}}" if i < len(letters) - 1 else ""
            options.append(prefix + f"[{nxt}-Z{nxt.lower()}-z]" + tail)
    return "(?:" + "|".join(options) + ")"


_REF_ATTRIBUTE = r"""\sr\s*=\s*["']"""
# A reference that is not plain letters and digits (&#65;1, A1B): measured the slow way, to be sure.
_ODD_REF = r"""(?:[A-Za-z]*[^A-Za-z0-9"']|[A-Za-z]*[0-9]+[^0-9"'])"""
# A cell start tag none of whose attributes is ``r``: calamine then places it after the previous one.
_CELL_WITHOUT_REF = r"""<(?:[\w.-]+:)?c(?:\s+(?:[^\sr=/>][^\s=/>]*|r[^\s=/>]+)\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>"""
_DIMENSION = re.compile(rb"""<(?:[\w.-]+:)?dimension\b[^>]*\bref\s*=\s*["']([^"']*)["']""")
_CELL_REF = re.compile(r"\$?([A-Za-z]+)\$?([0-9]+)")


class SheetScanner:
    """The size of one worksheet, from its XML streamed in chunks: the declared ``<dimension>`` and the
    cells really there (calamine allocates rows x columns for the box from A1 to the last cell).

    The common case is one RE2 pass per chunk: is there any cell reference beyond the declared
    dimension (or, without one, beyond Z and ``sheet_cells // 26`` rows), or any cell without a
    reference? Only then is the sheet walked tag by tag to find its real extent.
    """

    def __init__(self, path: Path, sheet: str, limits: Limits):
        self.path, self.sheet, self.limits = path, sheet, limits
        self.carry = b""  # the last tag of the previous chunk, perhaps cut in two
        self.started = False
        self.outside = False
        self.pattern: str | None = None

    def _where(self) -> str:
        return f"文件 {self.path.name} 工作表「{self.sheet}」"

    def _box(self, rows: int, columns: int) -> None:
        self.pattern = (
            f"{_REF_ATTRIBUTE}(?:[A-Za-z]*{_greater_number(rows)}|{_greater_column(columns)}|{_ODD_REF})"
            f"|{_CELL_WITHOUT_REF}"
        )

    def feed(self, chunk: bytes) -> None:
        first, last = chunk.find(b"<"), chunk.rfind(b"<")
        if first < 0:  # no tag starts here: text that belongs to the tag carried over
            self.carry += chunk
            return
        if not self.started:
            self.started = True
            self._declared(chunk)
        # Tags never straddle the pieces searched: the tag cut at the end of the previous chunk is
        # searched with this chunk's text up to its first "<", the rest of this chunk in place.
        self._search(self.carry + chunk[:first])
        self._search(memoryview(chunk)[first:last])
        self.carry = chunk[last:]

    def _search(self, data: bytes | memoryview) -> None:
        if self.outside or not len(data):
            return
        buffer = pa.py_buffer(data)
        bounds = pa.py_buffer(struct.pack("<qq", 0, buffer.size))
        value = pa.Array.from_buffers(pa.large_binary(), 1, [None, bounds, buffer])
        if pc.count_substring_regex(value, self.pattern)[0].as_py():
            self.outside = True

    def _declared(self, head: bytes) -> None:
        before_data = head.split(b"sheetData", 1)[0]
        found = _DIMENSION.search(before_data)
        if found:
            ref = found.group(1).decode("ascii", "replace")
            corners = _CELL_REF.findall(ref)
            if corners:
                columns = max(column_number(c) for c, _ in corners)
                rows = max(int(r) for _, r in corners)
                if not self.limits.sheet_fits(rows, columns):
                    raise Refused(
                        f"{self._where()}声明的数据范围为 {ref}（{rows:,} 行 × {columns:,} 列），超过导入上限"
                        f"（{self.limits.sheet_text()}），未读取。请删除表格下方和右侧多余的行列后另存再导入"
                    )
                self._box(rows, columns)
                return
        columns = min(26, self.limits.sheet_columns)
        self._box(min(self.limits.sheet_rows, self.limits.sheet_cells // columns), columns)

    def finish(self, again) -> None:
        """After the last chunk; ``again()`` streams the sheet once more if its extent must be measured."""
        if not self.started:
            self.started = True
            self._declared(self.carry)
        self._search(self.carry)
        if not self.outside:
            return
        rows, columns = measure_sheet(again())
        if not self.limits.sheet_fits(rows, columns):
            last = f"{_column_letters(columns)}{rows}"
            raise Refused(
                f"{self._where()}的单元格一直排到 {last}（{rows:,} 行 × {columns:,} 列），超过导入上限"
                f"（{self.limits.sheet_text()}），未读取。请删除表格下方和右侧多余的内容后另存再导入"
            )


def _column_letters(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters or "A"


# Attribute values may hold ">" (XML allows it): a tag ends at the first ">" outside quotes.
_TAG = re.compile(rb"""<(/?)(?:[\w.-]+:)?(row|c)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_ATTRIBUTE_R = re.compile(rb"""(?:^|\s)(?:[\w.-]+:)?r\s*=\s*["']([^"']*)["']""")


def measure_sheet(chunks: Iterator[bytes]) -> tuple[int, int]:
    """(rows, columns) from A1 to the last cell that holds something, placing cells as calamine does:
    by their ``r`` reference, else after the previous cell of the row (rows likewise)."""
    max_row = max_column = 0
    row = column = 0
    carry = b""
    for chunk in chunks:
        data = carry + chunk
        cut = data.rfind(b"<")
        if cut < 0:
            carry = data
            continue
        data, carry = data[:cut], data[cut:]
        for closing, name, attributes in _TAG.findall(data):
            if closing:
                continue
            ref = _ATTRIBUTE_R.search(attributes)
            if name == b"row":
                value = html.unescape(ref.group(1).decode("utf-8", "replace")) if ref else ""
                row = int(value) if value.isdigit() else row + 1
                column = 0
                continue
            cell = _CELL_REF.fullmatch(html.unescape(ref.group(1).decode("utf-8", "replace"))) if ref else None
            if cell:
                column, cell_row = column_number(cell.group(1)), int(cell.group(2))
            else:
                column, cell_row = column + 1, row
            if not attributes.rstrip().endswith(b"/"):  # an empty cell (<c r="X1" s="2"/>) is not data
                max_row, max_column = max(max_row, cell_row), max(max_column, column)
    return max_row, max_column


# ---------------------------------------------------------------------------------------------
# .xls: the OLE container and the BIFF records of each sheet

_FREE, _END_OF_CHAIN = 0xFFFFFFFF, 0xFFFFFFFE
# BIFF records that put a value in a cell: (row, column) are their first two 16-bit fields.
_VALUE_RECORDS = {0x0006, 0x00FD, 0x0203, 0x027E, 0x0204, 0x0205, 0x00D6, 0x0406, 0x0003, 0x0004, 0x0002}
_MULRK, _DIMENSIONS, _BOUNDSHEET, _FILEPASS, _BOF, _EOF = 0x00BD, 0x0200, 0x0085, 0x002F, 0x0809, 0x000A


def check_xls(path: Path, head: bytes, limits: Limits) -> str | None:
    if head.startswith(ZIP_MAGIC):
        return f"文件 {path.name} 实际上是 .xlsx 格式（扩展名不对），请把扩展名改为 .xlsx 后再导入"
    if not head.startswith(OLE_MAGIC):
        return (
            f"文件 {path.name} 不是真正的 Excel（.xls）文件（可能是网页或文本格式的导出文件，或已损坏），"
            "请在 Excel 或 WPS 中打开并另存为 .xlsx 后再导入"
        )
    stream = _ole_stream(path, ("Workbook", "Book"))
    if stream is None:
        return f"文件 {path.name} 中没有 Excel 工作簿数据（可能是 Word 或其他 Office 文件），未读取"
    for name, rows, columns, declared in _biff_sheets(path, stream, limits):
        if declared and not limits.sheet_fits(*declared):
            return (
                f"文件 {path.name} 工作表「{name}」声明的数据范围为 {declared[0]:,} 行 × {declared[1]:,} 列，"
                f"超过导入上限（{limits.sheet_text()}），未读取"
            )
        if not limits.sheet_fits(rows, columns):
            return (
                f"文件 {path.name} 工作表「{name}」的单元格一直排到 {_column_letters(columns)}{rows}"
                f"（{rows:,} 行 × {columns:,} 列），超过导入上限（{limits.sheet_text()}），未读取"
            )
    return None


def _ole_stream(path: Path, names: tuple[str, ...]) -> bytes | None:
    """The first stream of the OLE file with one of ``names``, read through a checked sector chain."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        header = f.read(512)
        if len(header) < 512:
            raise Refused(_damaged(path))
        shift, mini_shift = struct.unpack_from("<HH", header, 30)
        if shift not in (9, 12) or mini_shift != 6:
            raise Refused(_damaged(path))
        sector = 1 << shift
        sectors = max(0, (size - sector + sector - 1) // sector)
        fat_count, dir_start = struct.unpack_from("<I", header, 44)[0], struct.unpack_from("<I", header, 48)[0]
        mini_cutoff, minifat_start, minifat_count, difat_start, difat_count = struct.unpack_from("<IIIII", header, 56)
        if fat_count > sectors or difat_count > sectors or minifat_count > sectors:
            raise Refused(_damaged(path))

        def read_sector(index: int) -> bytes:
            if index >= sectors:
                raise Refused(_damaged(path))
            f.seek((index + 1) << shift)
            data = f.read(sector)
            return data.ljust(sector, b"\0")

        fat_sectors = [s for s in struct.unpack_from("<109I", header, 76) if s not in (_FREE, _END_OF_CHAIN)]
        next_difat, seen = difat_start, 0
        while next_difat not in (_FREE, _END_OF_CHAIN) and len(fat_sectors) < fat_count:
            seen += 1
            if seen > difat_count or seen > sectors:
                raise Refused(_damaged(path))
            entries = struct.unpack(f"<{sector // 4}I", read_sector(next_difat))
            fat_sectors += [s for s in entries[:-1] if s not in (_FREE, _END_OF_CHAIN)]
            next_difat = entries[-1]
        fat_entries = memoryview(b"".join(read_sector(s) for s in fat_sectors[:fat_count])).cast("I")

        def chain(start: int, table, limit: int) -> list[int]:
            out, at = [], start
            while at not in (_END_OF_CHAIN, _FREE):
                if at >= len(table) or len(out) >= limit:
                    raise Refused(_damaged(path))  # out of range, or a cycle
                out.append(at)
                at = table[at]
            return out

        directory = b"".join(read_sector(s) for s in chain(dir_start, fat_entries, sectors))
        entries = [directory[i : i + 128] for i in range(0, len(directory) - 127, 128)]
        if not entries:
            raise Refused(_damaged(path))
        root = entries[0]
        for entry in entries:
            name_length = min(struct.unpack_from("<H", entry, 64)[0], 64)
            name = entry[: max(0, name_length - 2)].decode("utf-16-le", "replace")
            if entry[66] != 2 or name not in names:
                continue
            start = struct.unpack_from("<I", entry, 116)[0]
            length = struct.unpack_from("<Q", entry, 120)[0] if shift == 12 else struct.unpack_from("<I", entry, 120)[0]
            if length > size:
                raise Refused(_damaged(path))
            if length >= mini_cutoff:
                data = b"".join(read_sector(s) for s in chain(start, fat_entries, sectors))
            else:  # small streams live in 64-byte pieces of the root entry's mini stream
                minifat = b"".join(read_sector(s) for s in chain(minifat_start, fat_entries, sectors))
                mini_table = memoryview(minifat[: len(minifat) // 4 * 4]).cast("I")
                root_start = struct.unpack_from("<I", root, 116)[0]
                mini_stream = b"".join(read_sector(s) for s in chain(root_start, fat_entries, sectors))
                pieces = chain(start, mini_table, len(mini_stream) // 64 + 1)
                data = b"".join(mini_stream[p * 64 : p * 64 + 64] for p in pieces)
            if len(data) < length:
                raise Refused(_damaged(path))
            return data[:length]
    return None


def _biff_sheets(path: Path, stream: bytes, limits: Limits) -> Iterator[tuple[str, int, int, tuple[int, int] | None]]:
    """(name, rows, columns, declared) per worksheet: the extent of its value cells (A1 to the last) and
    its DIMENSIONS record, from the BIFF records the workbook globals point at."""
    sheets: list[tuple[int, str]] = []
    pos, end = 0, len(stream)
    while pos + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, pos)
        body = stream[pos + 4 : pos + 4 + length]
        if kind == _FILEPASS:
            raise Refused(f"文件 {path.name} 设置了打开密码（已加密），请在 Excel 或 WPS 中取消密码后另存再导入")
        if kind == _BOUNDSHEET and len(body) >= 8:
            offset, visibility, sheet_type, name_length = struct.unpack_from("<IBBB", body, 0)
            if sheet_type == 0:
                high = body[7] & 1 if len(body) > 7 else 0
                raw = body[8 : 8 + name_length * (2 if high else 1)]
                sheets.append((offset, raw.decode("utf-16-le" if high else "latin-1", "replace")))
        pos += 4 + length
        if kind == _EOF:
            break
    for offset, name in sheets:
        if offset >= end:
            raise Refused(_damaged(path))
        pos, max_row, max_column, declared = offset, 0, 0, None
        while pos + 4 <= end:
            kind, length = struct.unpack_from("<HH", stream, pos)
            if kind == _EOF:
                break
            if kind in _VALUE_RECORDS and length >= 4:
                row, column = struct.unpack_from("<HH", stream, pos + 4)
                if row >= max_row or column >= max_column:
                    max_row, max_column = max(max_row, row + 1), max(max_column, column + 1)
                    if not limits.sheet_fits(max_row, max_column):
                        break  # no need to read on: the sheet is refused
            elif kind == _MULRK and length >= 6:
                row = struct.unpack_from("<H", stream, pos + 4)[0]
                last = struct.unpack_from("<H", stream, pos + 4 + length - 2)[0]
                max_row, max_column = max(max_row, row + 1), max(max_column, last + 1)
            elif kind == _DIMENSIONS and declared is None:
                if length >= 14:
                    first_row, end_row, first_column, end_column = struct.unpack_from("<IIHH", stream, pos + 4)
                else:
                    first_row, end_row, first_column, end_column = struct.unpack_from("<HHHH", stream, pos + 4)
                declared = (end_row, end_column)
            pos += 4 + length
        yield name, max_row, max_column, declared
