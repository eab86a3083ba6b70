"""Command line: ``python -m etl load|template|demo|query|report|user|audit ...``.

Loads, reports, queries and account changes made here are written to the audit trail under the
operating-system user who ran the command.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from streetdash.access import ROLES
from streetdash.audit import ACTIONS as AUDIT_ACTIONS
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
        "--dry-run",
        action="store_true",
        help="试运行：照常读取、校验并统计将新增、更新、跳过和拒绝的行，列出列的对应，但不写入数仓（数仓文件不变）",
    )
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
    query = sub.add_parser(
        "query",
        help="只读查询数仓，结果以 CSV 输出到标准输出（与「数据探索」页同一套安全检查和限制，在单独的查询进程中运行）",
    )
    query.add_argument("sql", help="一条 SELECT 语句；写 - 则从标准输入读取")
    query.add_argument("--db", type=Path, help="数仓文件（默认 $WAREHOUSE_DB 或 data/warehouse.duckdb）")
    query.add_argument(
        "--max-rows", type=int, default=None, help="最多输出的行数（默认 $STREETDASH_SQL_MAX_ROWS 或 100000）"
    )
    query.add_argument(
        "--timeout", type=float, default=None, help="超时秒数，超时即结束查询进程（默认 $STREETDASH_SQL_TIMEOUT 或 10）"
    )

    settings = sub.add_parser(
        "settings", help="修改考核方案中的默认办理时限或响应时限后，把它写入数仓并重算指标（不导入台账）"
    )
    settings.add_argument("--db", type=Path, help="数仓文件（默认 $WAREHOUSE_DB 或 data/warehouse.duckdb）")

    report = sub.add_parser("report", help="生成工作月报（Word，可另存 PDF）")
    report.add_argument("--street", required=True, help="街道，例如 崇文街道")
    report.add_argument("--month", required=True, help="月份 YYYY-MM，例如 2022-12")
    report.add_argument("--community", help="只写这一个社区（默认整个街道）")
    report.add_argument("--out", type=Path, help="输出 .docx（默认当前目录下的「<街道>_<月份>_工作月报.docx」）")
    report.add_argument("--pdf", action="store_true", help="同时用 LibreOffice 生成同名 PDF")
    report.add_argument("--db", type=Path, help="数仓文件（默认 $WAREHOUSE_DB 或 data/warehouse.duckdb）")

    user = sub.add_parser(
        "user",
        help="管理登录账号（账号文件 $STREETDASH_ACCOUNTS）；密码用 getpass 询问，不在命令行上给出",
        description="管理登录账号。密码在终端中询问两次；标准输入不是终端时（脚本），从标准输入读取第一行。",
    )
    actions = user.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="新建账号")
    add.add_argument("name", help="用户名")
    add.add_argument(
        "--role", required=True, choices=list(ROLES), help="角色：" + "、".join(f"{k}（{v}）" for k, v in ROLES.items())
    )
    add.add_argument(
        "--scope",
        default="",
        help="数据范围：崇文街道（一个街道）、崇文街道,许庄街道（多个街道）、崇文街道/崇北社区,永安社区（一个街道的社区）"
        "或 全部；管理员可不填（只管理账号和审计）",
    )
    add.add_argument("--email", default="", help="统一身份认证（STREETDASH_AUTH=oidc）时用来认出此人的邮箱")
    add.add_argument("--no-password", action="store_true", help="不设密码：只能用统一身份认证登录")
    actions.add_parser("list", help="列出账号")
    for name, text in (("disable", "停用账号"), ("enable", "启用账号"), ("unlock", "解除锁定")):
        action = actions.add_parser(name, help=text)
        action.add_argument("name", help="用户名")
    reset = actions.add_parser("reset", help="重设密码（同时解除锁定）")
    reset.add_argument("name", help="用户名")
    change = actions.add_parser("set", help="修改角色和数据范围")
    change.add_argument("name", help="用户名")
    change.add_argument("--role", required=True, choices=list(ROLES))
    change.add_argument("--scope", default="")

    audit = sub.add_parser("audit", help="以 CSV 输出审计日志（$STREETDASH_AUDIT）")
    audit.add_argument("--since", help="起始日期 YYYY-MM-DD（含）")
    audit.add_argument("--until", help="截止日期 YYYY-MM-DD（含）")
    audit.add_argument("--user", help="只看这个用户")
    audit.add_argument("--action", action="append", choices=list(AUDIT_ACTIONS), help="只看这类操作（可重复）")
    return parser


def _cli_actor():
    """The audit trail's actor for a command: the operating-system user, on this machine."""
    import getpass
    import socket

    from streetdash.audit import Actor

    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "（未知）"
    return Actor(f"{who}（命令行）", "", "全部街道", socket.gethostname())


def _audit(action: str, detail: str) -> None:
    from streetdash import audit

    audit.record(action, _cli_actor(), detail)


def cmd_load(args: argparse.Namespace) -> int:
    from etl.boundaries import parse_crs
    from etl.guard import Limits
    from etl.load import load_paths
    from etl.report import print_summary, write_json, write_rejected_workbooks

    if not all(path.suffix.lower() == ".csv" for path in args.paths):
        _import_pandas_meanwhile()

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
            dry_run=args.dry_run,
        )
    if args.report_json:
        write_json(result, args.report_json)
    # A dry run writes no error report beside the ledgers; only where one was asked for.
    if not args.dry_run or args.report_dir:
        for path in write_rejected_workbooks(result, args.report_dir):
            console.print(f"错误报告：{path}")
    print_summary(result, console)
    _audit("load", _load_detail(result, [str(p) for p in args.paths]))
    return result.exit_code


def _import_pandas_meanwhile() -> None:
    """Start importing pandas in a thread. pyarrow imports it at its first conversion of Python values
    (a third of a second or more), which reading a workbook or boundary file does; begun now, the
    import overlaps the reading of the first file, where pyarrow works without the GIL, instead of adding
    to it. A batch of CSV files needs no pandas (a load with rejected rows imports it for their report)."""
    import importlib
    import threading

    threading.Thread(target=importlib.import_module, args=("pandas",), daemon=True).start()


def _load_detail(result, paths: list[str]) -> str:
    files = sorted({s.file for s in result.sheets})
    outcome = "已写入" if result.committed else f"未写入（退出码 {result.exit_code}）"
    return f"批次 {result.batch_id} {outcome}：{'、'.join(files) or '、'.join(paths)}；被拒绝 {len(result.rejected)} 行"


def cmd_template(args: argparse.Namespace) -> int:
    from etl.template import default_template_name, write_template

    out = args.out or Path(default_template_name(args.kind))
    write_template(args.kind, out)
    print(out)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from etl.demo import build_demo

    code = build_demo(db=args.db, seed=args.seed)
    _audit("load", f"演示数仓（种子 {args.seed}），退出码 {code}")
    return code


def cmd_query(args: argparse.Namespace) -> int:
    from streetdash.explore import readable
    from streetdash.sqlguard import QueryError
    from streetdash.sqlworker import run

    sql = sys.stdin.read() if args.sql == "-" else args.sql
    try:
        result = run(sql, args.db, user="cli", row_limit=args.max_rows or None, timeout=args.timeout or None)
    except (QueryError, ValueError) as error:
        _audit("sql", f"{sql}\n-- 未执行：{error}")
        print(str(error), file=sys.stderr)
        return 1
    _audit("sql", f"{sql}\n-- {len(result.frame)} 行")
    readable(result.frame).to_csv(sys.stdout, index=False, lineterminator="\n")
    if result.notice:
        print(result.notice, file=sys.stderr)
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    from etl import models
    from streetdash.schemes import SchemeError

    try:
        rows = models.refresh(args.db)
    except FileNotFoundError as missing:
        print(f"尚未建立数仓：{missing}。请先运行 `python -m etl load 台账目录/` 或 `make run`。", file=sys.stderr)
        return 2
    except SchemeError as error:
        print(f"未写入：{error}", file=sys.stderr)
        return 1
    for street, due_days, response_hours, source in rows:
        print(f"{street}：默认办理时限 {due_days} 天，响应时限 {response_hours:g} 小时（{source}）")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from streetdash.report import write_report_files

    code = write_report_files(args.street, args.month, args.community, out=args.out, pdf=args.pdf, db=args.db)
    where = args.community or args.street
    _audit("report", f"{where} {args.month} 月报{'（含 PDF）' if args.pdf else ''}，退出码 {code}")
    return code


def _read_password(prompt: str = "密码：") -> str:
    """A password from the terminal (asked twice, not echoed), or the first line of standard input when it
    is not a terminal (scripted set-up). Never from the command line, where ``ps`` and the shell's history
    would keep it."""
    import getpass

    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(prompt)
    if getpass.getpass("再输一次：") != first:
        raise ValueError("两次输入的密码不一致。")
    return first


def cmd_user(args: argparse.Namespace) -> int:
    import datetime as dt

    from streetdash.accounts import AccountStore

    store = AccountStore()
    try:
        if args.action == "list":
            now = store.clock()
            rows = [
                [a.name, a.role, a.scope.describe(), a.email or "—", a.status(now), a.last_sign_in or "—"]
                for a in store.accounts()
            ]
            if not rows:
                print(f"还没有账号（{store.path}）。", file=sys.stderr)
                return 0
            header = ["用户名", "角色", "数据范围", "邮箱", "状态", "最近登录"]
            for row in [header, *rows]:
                print("\t".join(row))
            return 0
        if args.action == "add":
            password = None if args.no_password else _read_password()
            account = store.add(args.name, args.role, args.scope, password, args.email)
            _warn_unknown_names(account.scope)
            detail = f"新建账号：{account.name}（{account.role}，{account.scope.describe()}）"
        elif args.action == "reset":
            account = store.set_password(args.name, _read_password("新密码："))
            detail = f"重设密码：{account.name}"
        elif args.action == "set":
            account = store.set_role(args.name, args.role, args.scope)
            _warn_unknown_names(account.scope)
            detail = f"修改角色和范围：{account.name}（{account.role}，{account.scope.describe()}）"
        else:
            labels = {"disable": "停用", "enable": "启用", "unlock": "解锁"}
            change = {
                "disable": lambda: store.set_disabled(args.name, True),
                "enable": lambda: store.set_disabled(args.name, False),
                "unlock": lambda: store.unlock(args.name),
            }[args.action]
            account = change()
            detail = f"{labels[args.action]}：{account.name}"
    except (ValueError, KeyError) as error:
        print(str(error).strip("'\""), file=sys.stderr)
        return 1
    _audit("account", detail)
    print(f"{detail}（{dt.datetime.now():%Y-%m-%d %H:%M}）")
    return 0


def _warn_unknown_names(scope) -> None:
    """Say so when a scope names streets or communities the warehouse does not have (yet)."""
    from streetdash import db, queries

    if scope.is_everything or scope.is_empty or not db.warehouse_status().exists:
        return
    with db.connect_readonly() as con:
        streets = queries.scope_options(con)
    missing = [s for s in scope.streets or () if s not in streets]
    for street in scope.streets or ():
        missing += [c for c in scope.communities or () if c not in streets.get(street, [])]
    if missing:
        print(f"注意：数仓中还没有 {'、'.join(missing)}，导入相应台账后才会显示数据。", file=sys.stderr)


def cmd_audit(args: argparse.Namespace) -> int:
    import datetime as dt

    from streetdash import audit

    try:
        since = dt.date.fromisoformat(args.since) if args.since else None
        until = dt.date.fromisoformat(args.until) if args.until else None
    except ValueError:
        print("日期应写作 YYYY-MM-DD，例如 2024-12-01。", file=sys.stderr)
        return 2
    found = audit.entries(since, until, user=args.user, actions=args.action or ())
    sys.stdout.write(audit.to_csv(list(reversed(found))))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {
        "load": cmd_load,
        "template": cmd_template,
        "demo": cmd_demo,
        "query": cmd_query,
        "report": cmd_report,
        "user": cmd_user,
        "audit": cmd_audit,
        "settings": cmd_settings,
    }
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
