"""办结率 and its neighbours by the national practice: over the tasks due in the period (应办结), with
each street's default 办理时限 and response limit from its scheme file; periods that run past the
data's last day end at it; the data-quality metrics from the loads. Hand-made ledgers, worked by hand.

The streets' settings (scheme files written here): 崇文街道 has none of its own and takes the shared
file's 6 days and 24 hours; 许庄街道 sets 3 days and 12 hours. The data ends on 28 March 2022.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import pytest

from etl.load import load_paths
from streetdash import metrics
from streetdash.filters import Filters
from tests.ledgers import write_base, write_csv

D = dt.date
MARCH = (D(2022, 3, 1), D(2022, 3, 31))
AS_OF = D(2022, 3, 28)

TASKS = [
    ["任务编号", "所属社区", "任务类别", "发布时间", "办理时限", "状态", "办结时间"],
    # D1: published in February, due 5 March, closed 4 March: due in March and counted there.
    ["D1", "崇北", "便民服务", "2022-02-20 09:00", "2022-03-05", "已办结", "2022-03-04 10:00"],
    # D2: published in March, due in April: not due in March.
    ["D2", "崇北", "便民服务", "2022-03-28 09:00", "2022-04-10", "办理中", ""],
    # D3: no deadline: due 6 days after (崇文's shared setting), 16 March; closed that afternoon: on time.
    ["D3", "崇北", "环境卫生", "2022-03-10 09:00", "", "已办结", "2022-03-16 15:00"],
    # D6: due 10 March, closed 20 March: late; not closed for 1-15 March, closed for the whole month.
    ["D6", "崇北", "环境卫生", "2022-03-05 09:00", "2022-03-10", "已办结", "2022-03-20 10:00"],
    # D7: withdrawn (已关闭): never due.
    ["D7", "崇北", "安全隐患", "2022-03-01 09:00", "2022-03-15", "已关闭", ""],
    # D8: due 30 March, after the data's last day: not due in a March that ends on the 28th, not overdue.
    ["D8", "崇北", "安全隐患", "2022-03-20 09:00", "2022-03-30", "办理中", ""],
    # D9: due 8 March, still open: due, not closed, overdue.
    ["D9", "崇北", "微心愿", "2022-03-02 09:00", "2022-03-08", "已接单", ""],
    # D4: 许庄's 3 days: due 13 March, closed on the 15th: closed in March, late (7 days would be on time).
    ["D4", "古桥", "便民服务", "2022-03-10 09:00", "", "已办结", "2022-03-15 10:00"],
    # D5: 许庄's 3 days: due 28 February (7 days would make it 4 March): not due in March.
    ["D5", "古桥", "便民服务", "2022-02-25 09:00", "", "待接单", ""],
    # D10: a bad date: rejected, in 崇北's rows of the load.
    ["D10", "崇北", "便民服务", "2022-13-01 09:00", "", "待接单", ""],
]
CLAIMS = [
    ["任务编号", "接单人", "接单时间"],
    ["D1", "甲一", "2022-02-20 10:00"],
    ["D3", "甲一", "2022-03-10 12:00"],  # 3 hours: in time
    ["D6", "乙二", "2022-03-06 08:00"],  # 23 hours: in time
    ["D9", "乙二", "2022-03-03 10:00"],  # 25 hours: late
    ["D2", "丙三", "2022-03-28 10:00"],  # 1 hour: in time
    ["D4", "丁四", "2022-03-10 22:00"],  # 13 hours: late against 许庄's 12 (in time against 24)
]
SHARED = """title = "共用方案"
[settings]
due_days = 6
response_hours = 24
[[indicator]]
metric = "tasks.closure_rate"
weight = 100
rule = "linear"
zero_at = 60
full_at = 95
"""
XUZHUANG = """street = "许庄街道"
[settings]
due_days = 3
response_hours = 12
"""


def _load(paths: list[Path], db: Path, schemes: Path, at: dt.datetime):
    previous = os.environ.get("STREETDASH_SCHEMES")
    os.environ["STREETDASH_SCHEMES"] = str(schemes)
    try:
        return load_paths(paths, db=db, clock=lambda: at)
    finally:
        if previous is None:
            os.environ.pop("STREETDASH_SCHEMES")
        else:
            os.environ["STREETDASH_SCHEMES"] = previous


@pytest.fixture(scope="module")
def due_db(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("due")
    schemes = root / "schemes"
    schemes.mkdir()
    (schemes / "default.toml").write_text(SHARED, encoding="utf-8")
    (schemes / "许庄.toml").write_text(XUZHUANG, encoding="utf-8")
    folder = root / "ledgers"
    paths = write_base(folder) + [write_csv(folder / "任务.csv", TASKS), write_csv(folder / "接单.csv", CLAIMS)]
    db = root / "w.duckdb"
    first = _load(paths, db, schemes, dt.datetime(2022, 3, 28, 18, 0))  # loaded the evening the data ends
    assert [(r.row, r.column) for r in first.rejected] == [(11, "发布时间")]
    # A later ledger closes D8: the record is updated, its first load stays the 28th.
    updated = [row if row[0] != "D8" else [*row[:5], "已办结", "2022-03-28 12:00"] for row in TASKS]
    again = _load([write_csv(folder / "任务.csv", updated)], db, schemes, dt.datetime(2022, 4, 20, 9, 0))
    assert again.committed
    return db


@pytest.fixture
def con(due_db):
    with duckdb.connect(str(due_db), read_only=True) as connection:
        yield connection


def row(con, community: str, period=MARCH) -> dict:
    return metrics.community_metrics(con, *period).set_index("community").loc[community].to_dict()


def test_the_streets_settings_come_from_their_scheme_files(con):
    settings = con.execute(
        "SELECT street, due_days, response_hours FROM stg_street_settings ORDER BY street"
    ).fetchall()
    assert settings == [("崇文街道", 6, 24.0), ("许庄街道", 3, 12.0)]
    due = dict(con.execute("SELECT task_id, due_on FROM stg_tasks").fetchall())
    assert (due["D3"], due["D4"], due["D5"]) == (D(2022, 3, 16), D(2022, 3, 13), D(2022, 2, 28))


def test_due_tasks_are_counted_by_their_due_date(con):
    m = row(con, "崇北社区")
    # Due in 1-28 March (the data's last day), not withdrawn: D1 (published in February), D3, D6, D9.
    # Not D2 (due in April), D7 (已关闭), D8 (due 30 March, after the data ends).
    assert m["tasks_due"] == 4
    assert m["tasks_due_closed"] == 3  # D1, D3, D6; D9 is open
    assert m["tasks_closure_rate"] == pytest.approx(3 / 4)
    assert m["tasks_on_time_rate"] == pytest.approx(2 / 4)  # D1, D3; D6 was late
    # Published in March: D2 D3 D6 D7 D8 D9, of them closed D3 D6 (and D8 by the second ledger).
    assert (m["tasks_published"], m["tasks_closed"]) == (6, 3)
    assert m["tasks_published_closure_rate"] == pytest.approx(3 / 6)


def test_a_blank_deadline_uses_the_streets_default(con):
    m = row(con, "古桥社区")
    # 许庄's 3 days: D4 due 13 March (closed 15th: closed, late); D5 due 28 February: not March's.
    assert (m["tasks_due"], m["tasks_due_closed"]) == (1, 1)
    assert m["tasks_on_time_rate"] == 0
    assert row(con, "古桥社区", (D(2022, 2, 1), D(2022, 2, 28)))["tasks_due"] == 1  # D5


def test_a_task_closed_after_the_period_is_not_closed_for_it(con):
    first_half = row(con, "崇北社区", (D(2022, 3, 1), D(2022, 3, 15)))
    # Due 1-15 March: D1, D6, D9 (D3 is due the 16th); closed by the 15th: D1 only (D6 on the 20th).
    assert (first_half["tasks_due"], first_half["tasks_due_closed"]) == (3, 1)
    assert first_half["tasks_closure_rate"] == pytest.approx(1 / 3)


def test_response_rate_by_the_streets_limit(con):
    assert row(con, "崇北社区")["tasks_response_rate"] == pytest.approx(3 / 6)  # D2 D3 D6 of the 6 published
    assert row(con, "古桥社区")["tasks_response_rate"] == 0  # D4 took 13 hours; 许庄 allows 12


def test_overdue_uses_the_due_date_and_stops_at_the_data(con):
    # As of 28 March: D9 (due the 8th). D8 (due the 30th) would be overdue on the 31st, but the data ends
    # on the 28th, so March ends there. 古桥: D5 (due 28 February by 许庄's 3 days).
    assert row(con, "崇北社区")["tasks_overdue_open"] == 1
    assert row(con, "古桥社区")["tasks_overdue_open"] == 1


def test_a_period_past_the_data_is_cut_and_compared_like_for_like(con):
    assert con.execute("SELECT as_of FROM data_as_of").fetchall() == [(AS_OF,)]
    whole, cut = metrics.community_metrics(con, *MARCH), metrics.community_metrics(con, MARCH[0], AS_OF)
    assert whole.equals(cut)  # the macros end March on the 28th themselves
    f = Filters("崇文街道", (), *MARCH).cut_at(AS_OF)
    assert (f.start, f.end, f.asked_end) == (D(2022, 3, 1), AS_OF, D(2022, 3, 31))
    assert f.label() == "2022年3月（截至3月28日）"
    before = f.previous()
    assert (before.start, before.end) == (D(2022, 2, 1), D(2022, 2, 28))  # 1-28 February, not all of it
    assert (f.year_before().start, f.year_before().end) == (D(2021, 3, 1), D(2021, 3, 28))
    # A quarter cut on 28 March against the first 88 days of the quarter before.
    quarter = Filters("崇文街道", (), D(2022, 1, 1), D(2022, 3, 31)).cut_at(AS_OF).previous()
    assert (quarter.start, quarter.end) == (D(2021, 10, 1), D(2021, 12, 28))
    # Monthly rows stop there too; a month wholly after the data has nothing due.
    monthly = metrics.community_monthly(con, D(2022, 3, 1), D(2022, 4, 30), communities=["崇北社区"])
    assert monthly["tasks_due"].tolist() == [4, 0]


def test_rejection_rate_of_the_months_loads(con):
    # The load of 28 March read 崇北's community row, 2 grids, 8 tasks and 5 claims; one task rejected.
    # The second load (20 April) is after the data's last day, in no period yet.
    assert row(con, "崇北社区")["ledgers_rejection_rate"] == pytest.approx(1 / 16)
    assert row(con, "古桥社区")["ledgers_rejection_rate"] == 0  # 1 + 1 + 2 tasks + 1 claim, none rejected
    # The street adds its other communities' rows: 新建 (1 + 1 grid) and 永安 (1).
    street = metrics.street_metrics(con, *MARCH, street="崇文街道").iloc[0]
    assert street["ledgers_rejection_rate"] == pytest.approx(1 / 19)
    rejected = con.execute("SELECT community_id FROM rejected_rows").fetchall()
    assert rejected == [("CB",), ("CB",)]  # D10, in both loads


def test_timeliness_counts_from_the_first_load(con):
    # 崇北's March records (by their own date): tasks D2 D3 D6 D7 D8 D9 and claims of D2 D3 D6 D9; loaded
    # on 28 March, within 10 days: D2 (28th), D8 (20th) and D2's claim (28th). D8's update in April
    # keeps its first load.
    assert row(con, "崇北社区")["ledgers_timeliness"] == pytest.approx(3 / 10)
    first = con.execute("SELECT first_loaded_at, batch_id FROM tasks WHERE task_id = 'D8'").fetchall()[0]
    assert first[0] == dt.datetime(2022, 3, 28, 18, 0) and first[1].startswith("20220420")


def test_changed_settings_apply_without_a_load(due_db, tmp_path):
    """`python -m etl settings`: a street changes its default 办理时限 and the warehouse follows."""
    import shutil
    import subprocess
    import sys

    db = tmp_path / "w.duckdb"
    shutil.copyfile(due_db, db)
    schemes = tmp_path / "schemes"
    schemes.mkdir()
    (schemes / "default.toml").write_text(SHARED.replace("due_days = 6", "due_days = 10"), encoding="utf-8")
    env = {**os.environ, "STREETDASH_SCHEMES": str(schemes)}
    done = subprocess.run(
        [sys.executable, "-m", "etl", "settings", "--db", str(db)], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "崇文街道：默认办理时限 10 天，响应时限 24 小时（default.toml）" in done.stdout
    assert "许庄街道：默认办理时限 6 天" not in done.stdout  # 许庄 has no file here any more: the shared one
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT due_on FROM stg_tasks WHERE task_id = 'D3'").fetchall() == [(D(2022, 3, 20),)]
    (schemes / "default.toml").write_text('[[indicator]]\nmetric = "tasks.nope"\n', encoding="utf-8")
    refused = subprocess.run(
        [sys.executable, "-m", "etl", "settings", "--db", str(db)], capture_output=True, text=True, env=env, check=False
    )
    assert refused.returncode == 1 and "不在指标目录" in refused.stderr
