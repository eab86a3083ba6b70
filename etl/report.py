"""What a load tells its user: the summary table, the JSON report and the rejected-row workbooks."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import xlsxwriter
from rich.console import Console
from rich.table import Table

from etl.load import BatchResult
from etl.reader import REPORT_SUFFIX
from streetdash.schema import load_schemas

REJECTED_HEADERS = ["文件", "工作表", "行号", "列", "值", "原因"]


def print_summary(result: BatchResult, console: Console) -> None:
    """One line per file and sheet, then the first rejected rows and what happened to the batch."""
    table = Table(title=f"导入批次 {result.batch_id}", show_lines=False)
    for header in ["文件", "工作表", "台账类型", "表头行", "读取", "新增", "更新", "未变", "重复覆盖", "拒绝", "说明"]:
        table.add_column(header, overflow="fold")
    titles = {k.name: k.title for k in load_schemas().ordered()}
    for s in result.sheets:
        other = "；".join(f"{k}有 {v} 个值归入「其他」" for k, v in s.mapped_to_other.items())
        note = "；".join(part for part in (s.message, other) if part)
        table.add_row(
            s.file,
            s.sheet or "",
            titles.get(s.kind, "—"),
            str(s.header_row or ""),
            str(s.rows_read),
            str(s.inserted),
            str(s.updated),
            str(s.unchanged),
            str(s.superseded),
            str(s.rejected),
            note or "",
        )
    console.print(table)
    # Files that could not be read, once more on a line of their own: the table folds long messages.
    for s in result.sheets:
        if s.status == "error" and s.message:
            console.print(f"  无法导入：{s.message}", markup=False, highlight=False, soft_wrap=True)
    shown = result.rejected[:50]
    for r in shown:
        where = f"{r.file}" + (f"「{r.sheet}」" if r.sheet else "")
        value = f"「{r.value}」" if r.value is not None else "（空）"
        console.print(
            f"  拒绝 {where} 第 {r.row} 行，列「{r.column}」{value}：{r.reason}", markup=False, highlight=False
        )
    if len(result.rejected) > len(shown):
        console.print(f"  ……另有 {len(result.rejected) - len(shown)} 条，见错误报告")
    for note in result.notes:
        console.print(f"网格检查：{note}", markup=False, highlight=False)
    if result.exit_code == 2:
        console.print("没有读到任何台账，数仓未改动。", style="bold red")
    elif result.exit_code == 1:
        console.print("--strict：有被拒绝的行，本批次未写入数仓。", style="bold red")
    else:
        console.print(f"已写入数仓 {result.db}。", style="bold green")


def write_json(result: BatchResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.report(), ensure_ascii=False, indent=2), encoding="utf-8")


def _report_paths(sources: list[Path], report_dir: Path | None) -> dict[Path, Path]:
    """``<stem>_错误报告.xlsx`` for each source; where two would share a path (任务台账.xlsx and
    任务台账.csv, or files of the same name from different folders into one report_dir), the name
    carries the extension and then the source folder, so no report overwrites another."""

    def names(level: int) -> dict[Path, Path]:
        out = {}
        for source in sources:
            stem = source.stem
            if level >= 1:
                stem += f"（{source.suffix.lstrip('.')}）"
            if level >= 2:
                stem = f"{source.parent.name}_{stem}"
            out[source] = (report_dir or source.parent) / f"{stem}{REPORT_SUFFIX}"
        return out

    for level in range(3):
        paths = names(level)
        if len(set(paths.values())) == len(paths):
            return paths
    return paths


def write_rejected_workbooks(result: BatchResult, report_dir: Path | None = None) -> list[Path]:
    """One ``<file>_错误报告.xlsx`` per input file with rejected rows, beside it or in ``report_dir``."""
    by_file = defaultdict(list)
    for r in result.rejected:
        by_file[r.file].append(r)
    written = []
    targets = _report_paths([result.paths[label] for label in by_file], report_dir)
    for label, rows in by_file.items():
        out = targets[result.paths[label]]
        out.parent.mkdir(parents=True, exist_ok=True)
        workbook = xlsxwriter.Workbook(str(out), {"strings_to_formulas": False, "strings_to_urls": False})
        sheet = workbook.add_worksheet("被拒绝的行")
        bold = workbook.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
        sheet.write_row(0, 0, REJECTED_HEADERS, bold)
        for i, r in enumerate(rows, start=1):
            sheet.write_row(i, 0, [r.file, r.sheet or "", r.row, r.column, r.value or "", r.reason])
        sheet.freeze_panes(1, 0)
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, 3, 12)
        sheet.set_column(4, 4, 24)
        sheet.set_column(5, 5, 60)
        sheet.autofilter(0, 0, len(rows), len(REJECTED_HEADERS) - 1)
        workbook.close()
        written.append(out)
    return written
