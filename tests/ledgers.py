"""Writing small ledgers for tests, the way people keep them (CSV in various encodings, xlsx)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import xlsxwriter

COMMUNITIES = [
    ["社区编码", "社区名称", "所属街道", "户数", "人口", "社区类型", "别名"],
    ["CB", "崇北社区", "崇文街道", "3,200", "9800人", "老旧小区", "崇北、崇北片"],
    ["XJ", "新建社区", "崇文街道", "2800", "8000", "商品房", "新建"],
    ["YA", "永安社区", "崇文街道", "3000", "9000", "回迁", "永安"],
    ["GQ", "古桥社区", "许庄街道", "2500", "7000", "混合", "古桥"],
]
GRIDS = [
    ["网格编码", "网格名称", "所属社区", "户数", "人口", "网格长", "专职网格员数", "兼职网格员数", "党小组"],
    ["G1", "崇北一网格", "崇北", "400", "1100", "张三丰", "1", "2", "是"],
    ["G2", "崇北二网格", "CB", "450", "1200", "欧阳娜娜", "1", "1", "否"],
    ["G3", "新建一网格", "新建社区", "380", "1000", "", "1", "0", "有"],
    ["G4", "古桥一网格", "古桥社区", "520", "1500", "李四", "2", "1", "是"],
]


def write_csv(
    path: Path, rows: list[list[str]], encoding: str = "utf-8", title: str | None = None, blank_rows: int = 0
) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    width = len(rows[0])
    if title:
        writer.writerow([title] + [""] * (width - 1))
    for _ in range(blank_rows):
        writer.writerow([""] * width)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list]], title: str | None = None, blank_rows: int = 0) -> Path:
    """Each sheet: optional merged title row, blank rows, then the rows (values written as given)."""
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        r = 0
        if title:
            if len(rows[0]) > 1:
                sheet.merge_range(0, 0, 0, len(rows[0]) - 1, title)
            else:
                sheet.write(0, 0, title)
            r = 1
        r += blank_rows
        for row in rows:
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if hasattr(value, "year"):
                    sheet.write_datetime(r, c, value, date_format)
                else:
                    sheet.write(r, c, value)
            r += 1
    workbook.close()
    return path


def write_base(folder: Path) -> list[Path]:
    """The community and grid lists most tests stand on."""
    folder.mkdir(parents=True, exist_ok=True)
    return [write_csv(folder / "社区名录.csv", COMMUNITIES), write_csv(folder / "网格名录.csv", GRIDS)]
