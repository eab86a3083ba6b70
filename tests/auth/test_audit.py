"""The audit trail's store and the command line: account changes, loads, queries and reports made with
``python -m etl`` are written under the operating-system user; ``etl audit`` prints the trail as CSV;
the SQL workspace cannot read the trail's file."""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import io
import stat

import pytest

from streetdash import audit, sqlguard, sqlworker
from streetdash.accounts import AccountStore
from tests.ledgers import write_base
from tests.signin import etl_cli

PASSWORD = "命令行设的密码-42"


@pytest.fixture
def files(own_files):
    return own_files.folder


def run(monkeypatch, capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    code = etl_cli(monkeypatch, *argv, stdin=stdin)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_entries_are_kept_filtered_and_exported(tmp_path):
    path = tmp_path / "audit.sqlite"
    who = audit.Actor("崇北书记", "community", "崇文街道：崇北社区", "10.0.0.8")
    audit.record("sign_in", who, "密码登录", path=path, at=dt.datetime(2024, 12, 1, 9, 0))
    audit.record("download", who, '=HYPERLINK("x").csv', path=path, at=dt.datetime(2024, 12, 2, 9, 0))
    audit.record("sql", audit.Actor("区级"), "SELECT 1", path=path, at=dt.datetime(2024, 12, 3, 9, 0))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [e.action for e in audit.entries(path=path)] == ["sql", "download", "sign_in"]  # newest first
    assert [e.action for e in audit.entries(dt.date(2024, 12, 2), dt.date(2024, 12, 2), path=path)] == ["download"]
    assert [e.user for e in audit.entries(user="区级", path=path)] == ["区级"]
    assert [e.action for e in audit.entries(actions=["sign_in", "sql"], path=path)] == ["sql", "sign_in"]
    rows = list(csv.reader(io.StringIO(audit.to_csv(audit.entries(path=path)))))
    assert rows[0] == list(audit.COLUMNS.values())
    assert rows[2][3] == "下载" and rows[2][5].startswith("'=")  # a spreadsheet shows it, never runs it
    with pytest.raises(ValueError):
        audit.record("delete_everything", who, path=path)


def test_accounts_are_managed_from_the_command_line_and_audited(files, monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "user", "add", "管理员", "--role", "admin", stdin=PASSWORD + "\n")
    assert code == 0 and "新建账号：管理员" in out
    code, _, err = run(
        monkeypatch, capsys, "user", "add", "崇北书记", "--role", "community", "--scope", "崇文街道", stdin=PASSWORD
    )
    assert code == 1 and "社区账号的范围" in err
    code, _, _ = run(
        monkeypatch,
        capsys,
        "user",
        "add",
        "崇北书记",
        "--role",
        "community",
        "--scope",
        "崇文街道/崇北社区",
        stdin=PASSWORD,
    )
    assert code == 0
    store = AccountStore()
    assert store.authenticate("崇北书记", PASSWORD).ok
    code, out, _ = run(monkeypatch, capsys, "user", "list")
    assert "崇北书记\tcommunity\t崇文街道：崇北社区" in out and PASSWORD not in out
    assert run(monkeypatch, capsys, "user", "disable", "崇北书记")[0] == 0
    assert store.authenticate("崇北书记", PASSWORD).reason == "disabled"
    assert run(monkeypatch, capsys, "user", "enable", "崇北书记")[0] == 0
    assert run(monkeypatch, capsys, "user", "reset", "崇北书记", stdin="另一个密码-2025\n")[0] == 0
    assert store.authenticate("崇北书记", "另一个密码-2025").ok
    assert run(monkeypatch, capsys, "user", "disable", "管理员")[0] == 1  # the only administrator

    code, out, _ = run(monkeypatch, capsys, "audit", "--since", dt.date.today().isoformat())
    rows = list(csv.DictReader(io.StringIO(out)))
    changes = [r["内容"] for r in rows if r["操作"] == "账号变更"]
    assert changes == [
        "新建账号：管理员（admin，无数据范围）",
        "新建账号：崇北书记（community，崇文街道：崇北社区）",
        "停用：崇北书记",
        "启用：崇北书记",
        "重设密码：崇北书记",
    ]
    assert {r["用户"] for r in rows} == {f"{getpass.getuser()}（命令行）"}
    assert PASSWORD not in out and PASSWORD not in (files / "accounts.json").read_text(encoding="utf-8")
    assert PASSWORD.encode() not in (files / "audit.sqlite").read_bytes()
    assert run(monkeypatch, capsys, "audit", "--since", "昨天")[0] == 2


def test_a_load_and_a_query_from_the_command_line_are_audited(files, monkeypatch, capsys):
    folder = files / "ledgers"
    write_base(folder)
    db = files / "w.duckdb"
    code, _, _ = run(monkeypatch, capsys, "load", str(folder), "--db", str(db), "--quiet")
    assert code == 0
    run(monkeypatch, capsys, "query", "--db", str(db), "SELECT count(*) AS n FROM communities")
    found = {e.action: e for e in audit.entries()}
    assert found["load"].user == f"{getpass.getuser()}（命令行）"
    assert "已写入" in found["load"].detail and "社区名录.csv" in found["load"].detail
    assert found["sql"].detail.startswith("SELECT count(*) AS n FROM communities")


def test_the_sql_workspace_cannot_read_the_audit_trail(demo, tmp_path):
    path = tmp_path / "audit.sqlite"
    audit.record("sign_in", audit.Actor("崇北书记"), "密码登录", path=path)
    for sql in (
        f"SELECT * FROM sqlite_scan('{path}', 'audit')",
        f"SELECT * FROM '{path}'",
        f"ATTACH '{path}' AS trail (TYPE sqlite)",
        f"SELECT * FROM read_text('{path}')",
    ):
        with pytest.raises(sqlguard.QueryError):
            sqlworker.run(sql, demo[0])
