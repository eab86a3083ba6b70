"""Command line: ``python -m etl load|template|demo|report ...``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from streetdash.schema import load_schemas


def _parser() -> argparse.ArgumentParser:
    kinds = [k.name for k in load_schemas().ordered()]
    ledger_kinds = [k.name for k in load_schemas().ledgers()]
    parser = argparse.ArgumentParser(prog="python -m etl", description="街道治理数据驾驶舱：台账导入工具")
    sub = parser.add_subparsers(dest="command", required=True)

    load = sub.add_parser("load", help="导入台账文件或目录（一个批次，全部成功或全部不写入）")
    load.add_argument("paths", nargs="+", type=Path, help="台账文件或目录")
    load.add_argument("--db", type=Path, help="数仓文件（默认 $WAREHOUSE_DB 或 data/warehouse.duckdb）")
    load.add_argument("--kind", choices=kinds, help="指定台账类型（默认按表头识别）")
    load.add_argument("--strict", action="store_true", help="有任何被拒绝的行则整批不写入，退出码 1")
    load.add_argument("--report-json", type=Path, help="把导入结果和被拒绝的行写成 JSON")
    load.add_argument("--report-dir", type=Path, help="错误报告 .xlsx 的目录（默认写在原文件旁）")
    load.add_argument("--quiet", action="store_true", help="不显示进度条和汇总表")
    load.add_argument(
        "--crs",
        help="未声明坐标系的边界文件所用坐标系：EPSG 代码（EPSG:4326、EPSG:4490、投影坐标系如 EPSG:4547）或 gcj02"
        "（高德、腾讯等网络地图坐标，即使文件自称 WGS-84 也按 GCJ-02 转换）",
    )

    template = sub.add_parser("template", help="生成空白导入模板 .xlsx")
    template.add_argument("kind", choices=ledger_kinds)
    template.add_argument("--out", type=Path, help="输出文件（默认当前目录下的「<台账>_导入模板.xlsx」）")
    demo = sub.add_parser("demo", help="生成演示台账（data/demo/）并经同一导入流程建成演示数仓")
    demo.add_argument("--db", type=Path, help="数仓文件（默认 $WAREHOUSE_DB 或 data/warehouse.duckdb）")
    demo.add_argument("--seed", type=int, default=20221231, help="随机种子（同一种子得到相同的数仓）")
    query = sub.add_parser("query", help="只读查询数仓，结果以 CSV 输出到标准输出（与「数据探索」页同一套安全检查）")
    query.add_argument("sql", help="一条 SELECT 语句；写 - 则从标准输入读取")
    query.add_argument("--db", type=Path, help="数仓文件（默认 $WAREHOUSE_DB 或 data/warehouse.duckdb）")
    query.add_argument("--max-rows", type=int, default=None, help="最多输出的行数（默认 100000）")
    query.add_argument("--timeout", type=float, default=None, help="超时秒数，超时即中止（默认 10）")

    report = sub.add_parser("report", help="生成工作月报（Word，可另存 PDF）")
    report.add_argument("--street", required=True, help="街道，例如 崇文街道")
    report.add_argument("--month", required=True, help="月份 YYYY-MM，例如 2022-12")
    report.add_argument("--community", help="只写这一个社区（默认整个街道）")
    report.add_argument("--out", type=Path, help="输出 .docx（默认当前目录下的「<街道>_<月份>_工作月报.docx」）")
    report.add_argument("--pdf", action="store_true", help="同时用 LibreOffice 生成同名 PDF")
    report.add_argument("--db", type=Path, help="数仓文件（默认 $WAREHOUSE_DB 或 data/warehouse.duckdb）")
    return parser


def cmd_load(args: argparse.Namespace) -> int:
    from etl.boundaries import parse_crs
    from etl.guard import Limits
    from etl.load import load_paths
    from etl.report import print_summary, write_json, write_rejected_workbooks

    console = Console(stderr=True, quiet=args.quiet)
    try:
        crs = parse_crs(args.crs)
    except ValueError as exc:
        Console(stderr=True).print(f"--crs：{exc}", style="bold red", markup=False)
        return 2
    try:
        Limits.from_settings()
    except ValueError as exc:  # a limit set to something that is not a number
        Console(stderr=True).print(str(exc), style="bold red", markup=False)
        return 2
    if not console.is_terminal:  # logs and pipes: long lines, not a wrapped 80-column table
        console.width = 200
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rows]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("准备", total=None, rows="")

        def on_stage(text: str) -> None:
            bar.update(task, description=text, completed=0, total=None, rows="")

        def on_rows(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total, rows=f"{done:,} 行")

        result = load_paths(
            args.paths,
            db=args.db,
            kind=args.kind,
            strict=args.strict,
            progress=on_rows,
            on_stage=on_stage,
            crs=crs,
        )
    if args.report_json:
        write_json(result, args.report_json)
    for path in write_rejected_workbooks(result, args.report_dir):
        console.print(f"错误报告：{path}")
    print_summary(result, console)
    return result.exit_code


def cmd_template(args: argparse.Namespace) -> int:
    from etl.template import default_template_name, write_template

    out = args.out or Path(default_template_name(args.kind))
    write_template(args.kind, out)
    print(out)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from etl.demo import build_demo

    return build_demo(db=args.db, seed=args.seed)


def cmd_query(args: argparse.Namespace) -> int:
    from streetdash.explore import readable
    from streetdash.sqlguard import ROW_LIMIT, TIMEOUT_SECONDS, QueryError, run

    sql = sys.stdin.read() if args.sql == "-" else args.sql
    try:
        result = run(sql, args.db, row_limit=args.max_rows or ROW_LIMIT, timeout=args.timeout or TIMEOUT_SECONDS)
    except QueryError as error:
        print(str(error), file=sys.stderr)
        return 1
    readable(result.frame).to_csv(sys.stdout, index=False, lineterminator="\n")
    if result.notice:
        print(result.notice, file=sys.stderr)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from streetdash.report import write_report_files

    return write_report_files(args.street, args.month, args.community, out=args.out, pdf=args.pdf, db=args.db)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {
        "load": cmd_load,
        "template": cmd_template,
        "demo": cmd_demo,
        "query": cmd_query,
        "report": cmd_report,
    }
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
