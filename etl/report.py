"""What a load tells its user: the summary table, the JSON report and the rejected-row workbooks."""

from __future__ import annotations

import io
import json
from collections import defaultdict
from pathlib import Path

import xlsxwriter
from rich.console import Console
from rich.table import Table

from etl.layout import TITLE_LABEL
from etl.load import BatchResult, SheetResult
from etl.reader import REPORT_SUFFIX
from streetdash.schema import load_schemas

REJECTED_HEADERS = ["文件", "工作表", "行号", "列", "值", "原因"]


def print_summary(result: BatchResult, console: Console) -> None:
    """One line per file and sheet, then the first rejected rows and what happened to the batch."""
    title = f"导入批次 {result.batch_id}" + ("（试运行，未写入）" if result.dry_run else "")
    table = Table(title=title, show_lines=False)
    headers = [
        "文件",
        "工作表",
        "台账类型",
        "表头行",
        "读取",
        "新增",
        "更新",
        "未变",
        "重复覆盖",
        "跳过",
        "拒绝",
        "说明",
    ]
    for header in headers:
        table.add_column(header, overflow="fold")
    titles = {k.name: k.title for k in load_schemas().ordered()}
    for s in result.sheets:
        others = "；".join(f"{k}有 {v} 个值归入「其他」" for k, v in s.mapped_to_other.items())
        note = "；".join(part for part in (s.message, others) if part)
        table.add_row(
            s.file,
            s.sheet or "",
            titles.get(s.kind, "—"),
            header_rows(s),
            str(s.rows_read),
            str(s.inserted),
            str(s.updated),
            str(s.unchanged),
            str(s.superseded),
            str(s.skipped),
            str(s.rejected),
            note,
        )
    console.print(table)
    if result.dry_run:
        print_columns(result, console)
    ignored = ignored_columns(result)
    if ignored:
        console.print(f"未识别的列（已忽略）：{'、'.join(ignored)}", markup=False, highlight=False)
    # Title rows are many and say nothing new (the 表头行 column does): listed in the JSON report only.
    skipped_rows = [r for r in result.skipped if r.row is not None and not r.reason.startswith(TITLE_LABEL)]
    for r in skipped_rows[:50]:
        where = f"{r.file}" + (f"「{r.sheet}」" if r.sheet else "")
        console.print(f"  跳过 {where} 第 {r.row} 行为{r.reason}", markup=False, highlight=False)
    if len(skipped_rows) > 50:
        console.print(f"  ……另有 {len(skipped_rows) - 50} 行跳过，见各工作表的说明")
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
    elif result.dry_run:
        console.print(f"试运行（--dry-run）：以上为导入后的结果，数仓 {result.db} 未改动。", style="bold yellow")
    else:
        console.print(f"已写入数仓 {result.db}。", style="bold green")


def header_rows(s: SheetResult) -> str:
    """``3`` or ``3–4`` for a header over two rows."""
    if s.header_row is None:
        return ""
    return f"{s.header_row}–{s.header_end}" if s.header_end else str(s.header_row)


def ignored_columns(result: BatchResult) -> list[str]:
    """The headers no field was found for, each named once for the batch."""
    out: list[str] = []
    for s in result.sheets:
        out += [h for h in s.ignored_columns if h not in out]
    return out


def column_pairs(s: SheetResult) -> list[tuple[str, str]]:
    """(header in the file, field it became) for a sheet, in the schema's order of fields."""
    kinds = load_schemas().kinds
    if s.kind not in kinds:
        return []
    return [(s.columns[f.name], f.header) for f in kinds[s.kind].fields if f.name in s.columns]


def print_columns(result: BatchResult, console: Console) -> None:
    """Which column of each sheet became which field (the preview of ``--dry-run``)."""
    for s in result.sheets:
        pairs = column_pairs(s)
        if not pairs:
            continue
        where = s.file + (f"「{s.sheet}」" if s.sheet else "")
        shown = "，".join(f"{h} → {f}" if h != f else h for h, f in pairs)
        console.print(f"列对应 {where}：{shown}", markup=False, highlight=False)


def rejected_workbook(result: BatchResult) -> bytes:
    """One .xlsx of the batch's rejected rows (and, on a second sheet, the rows and sheets skipped), to
    download from the upload page, fix and load again."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = workbook.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
    sheet = workbook.add_worksheet("被拒绝的行")
    sheet.write_row(0, 0, REJECTED_HEADERS, bold)
    for i, r in enumerate(result.rejected, start=1):
        sheet.write_row(i, 0, [r.file, r.sheet or "", r.row, r.column, r.value or "", r.reason])
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 3, 12)
    sheet.set_column(4, 4, 24)
    sheet.set_column(5, 5, 60)
    sheet.autofilter(0, 0, max(len(result.rejected), 1), len(REJECTED_HEADERS) - 1)
    skipped = workbook.add_worksheet("跳过的行和工作表")
    skipped.write_row(0, 0, ["文件", "工作表", "行号", "原因"], bold)
    for i, r in enumerate(result.skipped, start=1):
        skipped.write_row(i, 0, [r.file, r.sheet or "", r.row if r.row is not None else "", r.reason])
    skipped.set_column(0, 1, 28)
    skipped.set_column(3, 3, 60)
    workbook.close()
    return buffer.getvalue()


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
