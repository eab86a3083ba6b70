"""The demo mode is the demo warehouse's alone: ``python -m etl demo`` marks it, an ordinary load never
does and clears the mark, so real ledgers loaded into the demo warehouse end the demo mode."""

from __future__ import annotations

import shutil

from etl.load import load_paths
from streetdash import db
from tests.ledgers import write_base, write_csv


def test_only_the_demo_is_marked_and_a_real_load_clears_the_mark(demo, tmp_path):
    assert db.is_demo(demo[0]) and db.warehouse_info(demo[0]) == {"demo": "true"}
    fresh = tmp_path / "fresh.duckdb"
    assert load_paths(write_base(tmp_path / "base"), db=fresh).committed
    assert not db.is_demo(fresh)
    assert not db.is_demo(tmp_path / "missing.duckdb") and db.warehouse_info(tmp_path / "missing.duckdb") == {}
    copy = tmp_path / "demo-copy.duckdb"
    shutil.copyfile(demo[0], copy)
    events = write_csv(
        tmp_path / "活动.csv",
        [["活动编号", "所属社区", "活动类型", "活动日期"], ["E-REAL-1", "崇北社区", "座谈会", "2022-10-20"]],
    )
    assert load_paths([events], db=copy).committed
    assert not db.is_demo(copy)  # now it holds real ledgers: sign-in as for any warehouse
