"""Hostile and broken files: ``python -m etl load FILE`` refuses each with a Chinese sentence naming it,
exit code 2, no traceback, the warehouse byte for byte as it was, in bounded memory and time.

Every file is made here: sheet XML written by hand into a zip (dimension and cell bombs), a zip bomb
of repeated rows, an archive whose directory lies about a member's size, CSV with a 2 MB cell,
garbage under ledger names. The loader runs as a child process; its peak memory comes from
``os.wait4`` (that child's own rusage), its time from the clock.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import stat
import struct
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from pathlib import Path

import pytest
import xlwt

from etl.load import load_paths
from tests.ledgers import write_base, write_csv, write_xlsx

ROOT = Path(__file__).resolve().parents[2]
MAX_RSS_MB = 1024
MAX_SECONDS = 30

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="任务" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
HEADERS = ["任务编号", "所属社区", "任务类别", "发布时间", "状态"]


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


HEADER_ROW = '<row r="1">' + "".join(_inline(f"{chr(65 + i)}1", h) for i, h in enumerate(HEADERS)) + "</row>"
GOOD = ["T1", "崇北", "便民服务", "2022-05-01", "待接单"]
GOOD_ROW = '<row r="2">' + "".join(_inline(f"{chr(65 + i)}2", v) for i, v in enumerate(GOOD)) + "</row>"


def sheet_xml(rows: str, dimension: str | None = None) -> str:
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{declared}'
        f"<sheetData>{rows}</sheetData></worksheet>"
    )


def write_workbook(path: Path, sheet: str | bytes) -> Path:
    """A minimal .xlsx with one sheet whose XML is given, written by hand with zipfile."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


# ---------------------------------------------------------------------------------------------
# Running the loader


class Run:
    def __init__(self, returncode: int, stdout: str, stderr: str, max_rss_mb: float, seconds: float):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr
        self.max_rss_mb, self.seconds = max_rss_mb, seconds


def run_load(*args: str, env: dict | None = None, timeout: float = 120) -> Run:
    """``python -m etl load ARGS`` in a child; its own peak RSS from ``os.wait4``, killed after ``timeout``."""
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"etl-hostile-{os.getpid()}-{time.monotonic_ns()}"
    with open(f"{out_path}.out", "w+b") as out, open(f"{out_path}.err", "w+b") as err:
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "etl", "load", *args],
            cwd=ROOT,
            stdout=out,
            stderr=err,
            env={**os.environ, **(env or {})},
        )
        killer = threading.Timer(timeout, lambda: os.kill(child.pid, signal.SIGKILL))
        killer.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    for suffix in (".out", ".err"):
        Path(f"{out_path}{suffix}").unlink()
    return Run(child.returncode, stdout, stderr, usage.ru_maxrss / 1024, seconds)


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def base_warehouse(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile-base")
    db = root / "warehouse.duckdb"
    assert load_paths(write_base(root / "base"), db=db).committed
    return db


@pytest.fixture
def warehouse(base_warehouse, tmp_path) -> Path:
    folder = tmp_path / "warehouse"
    folder.mkdir()
    db = folder / "warehouse.duckdb"
    shutil.copyfile(base_warehouse, db)
    return db


def refused(path: Path, warehouse: Path, *phrases: str, env: dict | None = None, name: str | None = None) -> Run:
    """Load ``path`` alone: exit 2, a Chinese sentence naming it, no traceback, warehouse untouched, bounded."""
    before = _digest(warehouse.parent)
    report_dir = warehouse.parent.parent / "reports"
    run = run_load(str(path), "--db", str(warehouse), "--report-dir", str(report_dir), env=env)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert f"无法导入：文件 {name or path.name}" in run.stderr or f"无法导入：{name or path.name}" in run.stderr, (
        run.stderr
    )
    for phrase in phrases:
        assert phrase in run.stderr, run.stderr
    assert "没有读到任何台账，数仓未改动" in run.stderr
    assert _digest(warehouse.parent) == before  # byte-identical, and no working copy or lock left behind
    assert not report_dir.exists()
    assert run.max_rss_mb < MAX_RSS_MB, run.max_rss_mb
    assert run.seconds < MAX_SECONDS, run.seconds
    return run


# ---------------------------------------------------------------------------------------------
# (a) Sheets beyond the size limits


def test_declared_dimension_bomb(warehouse, tmp_path):
    # 1.5 KB that declares a sheet reaching XFD1048576: refused on the declaration alone.
    path = write_workbook(tmp_path / "范围炸弹.xlsx", sheet_xml(HEADER_ROW + GOOD_ROW, "A1:XFD1048576"))
    assert path.stat().st_size < 2048
    refused(path, warehouse, "工作表「任务」", "A1:XFD1048576", "1,048,576 行 × 16,384 列", "未读取")


def test_cell_bomb_without_dimension(warehouse, tmp_path):
    # One cell at XFD1048576: calamine would allocate rows x columns (512 GiB) and abort the process.
    rows = HEADER_ROW + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    path = write_workbook(tmp_path / "单元格炸弹.xlsx", sheet_xml(rows))
    refused(path, warehouse, "XFD1048576", "超过导入上限")


def test_cell_bomb_hidden_by_a_small_dimension(warehouse, tmp_path):
    # The declaration says A1:E2, a cell says otherwise (and hides its reference behind a character entity).
    rows = HEADER_ROW + GOOD_ROW + '<row r="900000"><c r="&#71;R900000"><v>1</v></c></row>'
    path = write_workbook(tmp_path / "隐藏炸弹.xlsx", sheet_xml(rows, "A1:E2"))
    refused(path, warehouse, "GR900000", "900,000 行 × 200 列")


def test_cell_bomb_in_a_sheet_stored_elsewhere(warehouse, tmp_path):
    # The workbook may keep its sheet at any path its relationships name: the scan follows them.
    path = tmp_path / "别处的表.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES.replace("/xl/worksheets/sheet1.xml", "/data/t.bin"))
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.replace("worksheets/sheet1.xml", "/data/t.bin"))
        z.writestr("data/t.bin", sheet_xml(HEADER_ROW + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))
    refused(path, warehouse, "工作表「任务」", "XFD1048576")


def test_cells_without_references_are_counted(warehouse, tmp_path):
    # Cells may omit r="": calamine places them one after another, so 300 of them are 300 columns.
    rows = HEADER_ROW + "<row>" + "<c><v>1</v></c>" * 300 + "</row>"
    path = write_workbook(tmp_path / "无引用.xlsx", sheet_xml(rows))
    refused(path, warehouse, "300 列")


def test_sheet_limits_are_settings(warehouse, tmp_path):
    rows = HEADER_ROW + "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(2, 60))
    path = write_workbook(tmp_path / "行数.xlsx", sheet_xml(rows, "A1:E59"))
    refused(path, warehouse, "59 行", "最多 50 行", env={"ETL_MAX_SHEET_ROWS": "50"})


def test_legacy_xls_cell_far_away(warehouse, tmp_path):
    # 5 KB of .xls with a value at IV65536: 16.7 million cells to allocate.
    book = xlwt.Workbook()
    sheet = book.add_sheet("任务")
    for i, h in enumerate(HEADERS):
        sheet.write(0, i, h)
    sheet.write(65535, 255, 1)
    path = tmp_path / "远处.xls"
    book.save(str(path))
    refused(path, warehouse, "工作表「任务」", "256 列")


# ---------------------------------------------------------------------------------------------
# (b) Archives beyond the unpacking limits


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> Path:
    """A workbook of about 0.5 MB whose sheet XML, rows repeated, unpacks to 150 MB."""
    path = write_workbook(tmp_path_factory.mktemp("bomb") / "压缩炸弹.xlsx", sheet_xml(HEADER_ROW))
    block = ("<row>" + _inline("A2", "填充") + "</row>").encode() * 20_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ]:
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(sheet_xml(HEADER_ROW).split("</sheetData>")[0].encode())
            for _ in range(150_000_000 // len(block)):
                f.write(block)
            f.write(b"</sheetData></worksheet>")
    return path


def test_zip_bomb_by_compression_ratio(warehouse, zip_bomb):
    assert zip_bomb.stat().st_size < 1_500_000
    refused(zip_bomb, warehouse, "xl/worksheets/sheet1.xml", "压缩比", "压缩炸弹")


def test_zip_bomb_by_unpacked_size(warehouse, zip_bomb):
    with zipfile.ZipFile(zip_bomb) as z:
        unpacked = sum(i.file_size for i in z.infolist()) / (1 << 20)
    env = {"ETL_MAX_UNPACKED_MB": "100", "ETL_MAX_COMPRESSION_RATIO": "100000"}
    refused(zip_bomb, warehouse, f"解压后有 {unpacked:,.0f} MB", "上限 100 MB", env=env)


def _patch_member_size(path: Path, member: str, size: int, crc: int) -> None:
    """Make the local header and the central directory both claim ``size`` bytes and ``crc`` for ``member``."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    local = info.header_offset
    assert data[local : local + 4] == b"PK\x03\x04"
    struct.pack_into("<I", data, local + 14, crc)
    struct.pack_into("<I", data, local + 22, size)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46 : central + 46 + name_length]) == name:
            struct.pack_into("<I", data, central + 16, crc)
            struct.pack_into("<I", data, central + 24, size)
            break
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


def test_member_larger_than_its_directory_says(warehouse, tmp_path):
    # The directory gives the size and checksum of the sheet XML up to the last row, so Python's zipfile
    # reads a small sheet and is satisfied; the deflate stream goes on to a cell at XFD1048576.
    bomb = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    xml = sheet_xml(HEADER_ROW + GOOD_ROW + bomb).encode()
    declared = xml.index(bomb.encode())
    path = write_workbook(tmp_path / "谎报大小.xlsx", xml)
    _patch_member_size(path, "xl/worksheets/sheet1.xml", declared, zlib.crc32(xml[:declared]))
    with zipfile.ZipFile(path) as z:
        assert z.read("xl/worksheets/sheet1.xml") == xml[:declared]  # what zipfile believes
    refused(path, warehouse, "xl/worksheets/sheet1.xml", "比压缩包目录所写的更大")


def test_too_many_archive_members(warehouse, tmp_path):
    path = tmp_path / "部件太多.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(10_001):
            z.writestr(f"x/{i}", b"")
    refused(path, warehouse, "10,001 个部件")


def test_file_size_limit(warehouse, tmp_path):
    path = write_csv(tmp_path / "大文件.csv", [HEADERS] + [GOOD] * 60_000)
    refused(path, warehouse, "超过单个文件的上限 1 MB", env={"ETL_MAX_FILE_MB": "1"})


# ---------------------------------------------------------------------------------------------
# (c) CSV cells beyond the size limit


def test_csv_field_of_two_megabytes(warehouse, tmp_path):
    rows = [HEADERS, GOOD, ["T2", "崇北", "x" * 2_000_000, "2022-05-01", "待接单"]]
    path = write_csv(tmp_path / "超长单元格.csv", rows)
    refused(path, warehouse, "第 3 行有一个单元格超过 1,024 KB")


def test_csv_field_beyond_pyarrow_block(warehouse, tmp_path):
    # 9 MB in one quoted cell, with a newline: beyond pyarrow's block, read by the csv module, refused there.
    rows = [HEADERS, GOOD, ["T2", "崇北", "y\n" * 4_500_000, "2022-05-01", "待接单"]]
    path = write_csv(tmp_path / "超大单元格.csv", rows)
    refused(path, warehouse, "第 3 行有一个单元格超过 1,024 KB")


def test_csv_field_limit_is_a_setting(warehouse, tmp_path):
    rows = [HEADERS, GOOD, ["T2", "崇北", "z" * 300_000, "2022-05-01", "待接单"]]
    path = write_csv(tmp_path / "单元格.csv", rows)
    refused(path, warehouse, "超过 256 KB", env={"ETL_MAX_CSV_FIELD_KB": "256"})


# ---------------------------------------------------------------------------------------------
# (d) Everything else a reader could trip on


def _valid_xlsx(path: Path) -> Path:
    return write_xlsx(path, {"任务": [HEADERS, GOOD]})


def _valid_xls(path: Path) -> Path:
    book = xlwt.Workbook()
    sheet = book.add_sheet("任务")
    for i, h in enumerate(HEADERS):
        sheet.write(0, i, h)
    book.save(str(path))
    return path


def _flip_middle(path: Path) -> Path:
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    at = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2
    data[at : at + 8] = bytes(b ^ 0xFF for b in data[at : at + 8])
    path.write_bytes(bytes(data))
    return path


def _garbage(size: int, seed: int = 7) -> bytes:
    import random

    return random.Random(seed).randbytes(size)


CASES = {
    "truncated_xlsx": (lambda d: _truncate(_valid_xlsx(d / "截断.xlsx")), ["已损坏或不完整"]),
    "corrupt_xlsx": (lambda d: _flip_middle(_valid_xlsx(d / "损坏.xlsx")), ["已损坏"]),
    "csv_named_xlsx": (
        lambda d: _write(d / "其实是CSV.xlsx", "任务编号,所属社区\nT1,崇北\n".encode()),
        ["不是有效的 Excel 工作簿"],
    ),
    "xls_named_xlsx": (
        lambda d: _valid_xls(d / "其实是XLS.xls").rename(d / "其实是XLS.xlsx"),
        ["实际上是旧版 Excel（.xls）格式"],
    ),
    "xlsx_named_xls": (
        lambda d: _valid_xlsx(d / "其实是XLSX.xlsx").rename(d / "其实是XLSX.xls"),
        ["实际上是 .xlsx 格式"],
    ),
    "html_named_xls": (
        lambda d: _write(d / "网页导出.xls", "<html><table><tr><td>任务编号</td></tr></table></html>".encode()),
        ["不是真正的 Excel（.xls）文件"],
    ),
    "truncated_xls": (lambda d: _truncate(_valid_xls(d / "截断.xls"), keep=700), ["已损坏或不完整"]),
    "encrypted_xlsx": (
        lambda d: _write(
            d / "加密.xlsx",
            bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504) + "EncryptionInfo".encode("utf-16-le") + bytes(400),
        ),
        ["已加密"],
    ),
    "binary_as_csv": (lambda d: _write(d / "乱码.csv", _garbage(200_000)), ["不是文本文件"]),
    "high_bytes_as_csv": (lambda d: _write(d / "怪字符.csv", bytes(range(0x80, 0x100)) * 100), ["无法识别文件编码"]),
    "xlsx_as_csv": (lambda d: _valid_xlsx(d / "表格.xlsx").rename(d / "表格.csv"), ["实际上是 Excel（.xlsx）文件"]),
    "empty_csv": (lambda d: _write(d / "空.csv", b""), ["是空文件"]),
    "empty_xlsx": (lambda d: _write(d / "空.xlsx", b""), ["是空文件"]),
    "garbage_xlsx": (lambda d: _write(d / "乱码.xlsx", b"PK\x03\x04" + _garbage(5000)), ["已损坏或不完整"]),
    "garbage_xls": (
        lambda d: _write(d / "乱码.xls", bytes.fromhex("d0cf11e0a1b11ae1") + _garbage(5000)),
        ["已损坏或不完整"],
    ),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _truncate(path: Path, keep: int | None = None) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: keep or len(data) // 2])
    return path


@pytest.mark.parametrize("case", list(CASES))
def test_broken_files(case, warehouse, tmp_path):
    make, phrases = CASES[case]
    refused(make(tmp_path), warehouse, *phrases)


def test_a_folder_named_like_a_workbook(warehouse, tmp_path):
    folder = tmp_path / "文件夹.xlsx"
    folder.mkdir()
    run = run_load(str(folder), "--db", str(warehouse))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "文件夹.xlsx" in run.stderr and "没有找到可导入的台账" in run.stderr


def test_a_pipe_and_a_device_named_like_ledgers(warehouse, tmp_path):
    # Neither is opened: reading a FIFO would wait for ever, /dev/zero would fill the memory.
    pipe = tmp_path / "管道.csv"
    os.mkfifo(pipe)
    device = tmp_path / "设备.csv"
    device.symlink_to("/dev/zero")
    before = _digest(warehouse.parent)
    run = run_load(str(pipe), str(device), "--db", str(warehouse), timeout=60)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "无法导入：管道.csv 不是普通文件" in run.stderr and "无法导入：设备.csv 不是普通文件" in run.stderr
    assert _digest(warehouse.parent) == before
    assert run.seconds < MAX_SECONDS


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file whatever its permissions")
def test_permission_denied(warehouse, tmp_path):
    path = write_csv(tmp_path / "无权限.csv", [HEADERS, GOOD])
    path.chmod(0)
    try:
        refused(path, warehouse, "没有读取权限")
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_a_bad_file_does_not_stop_the_good_ones(warehouse, tmp_path):
    # Unreadable files are reported and the rest of the batch loads, as before: exit 2 only when nothing
    # could be read at all.
    folder = tmp_path / "台账"
    folder.mkdir()
    write_csv(folder / "任务.csv", [HEADERS, ["T9", "崇北", "便民服务", "2022-05-01", "待接单"]])
    write_workbook(folder / "炸弹.xlsx", sheet_xml(HEADER_ROW, "A1:XFD1048576"))
    _write(folder / "乱码.csv", _garbage(1000))
    run = run_load(str(folder), "--db", str(warehouse))
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert "无法导入：文件 炸弹.xlsx 工作表「任务」声明的数据范围为 A1:XFD1048576" in run.stderr
    assert "无法导入：文件 乱码.csv 不是文本文件" in run.stderr
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT task_id FROM tasks").fetchall() == [("T9",)]
        log = con.execute("SELECT file, status FROM load_log WHERE kind IS NULL ORDER BY file").fetchall()
    assert log == [("乱码.csv", "error"), ("炸弹.xlsx", "error")]


def test_a_limit_that_is_not_a_number(warehouse, tmp_path):
    path = write_csv(tmp_path / "任务.csv", [HEADERS, GOOD])
    run = run_load(str(path), "--db", str(warehouse), env={"ETL_MAX_SHEET_ROWS": "很多"})
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "设置 ETL_MAX_SHEET_ROWS 应为正整数，现在是「很多」。" in run.stderr


def test_ordinary_workbooks_pass_the_checks(tmp_path):
    """The checks refuse nothing a spreadsheet program writes: a wide sheet, many rows, a date cell."""
    from etl.guard import Limits, check_content, check_path

    limits = Limits.from_settings()
    wide = write_xlsx(tmp_path / "宽表.xlsx", {"任务": [[f"列{i}" for i in range(150)], list(range(150))] * 2000})
    long = write_csv(tmp_path / "长表.csv", [HEADERS] + [GOOD] * 50_000)
    for path in (wide, long, _valid_xls(tmp_path / "旧版.xls"), _valid_xlsx(tmp_path / "新版.xlsx")):
        assert check_path(path, limits) is None and check_content(path, limits) is None, path
