"""The core's side of scopes, without the app: the monthly report, the table browser and a grid's trend
read nothing outside the scope they are given."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document

from streetdash import explore, queries, report
from streetdash.access import Scope
from streetdash.db import connect_readonly
from streetdash.filters import Filters

CHONGBEI = Scope(("崇文街道",), ("崇北社区",))


def test_a_community_readers_report_holds_their_community_only(plain, other_communities):
    raw, data = report.monthly_report("崇文街道", "2022-12", scope=CHONGBEI, db=plain, images=False)
    doc = Document(io.BytesIO(raw))
    text = "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    assert data.filters.communities == ("崇北社区",) and data.communities["community"].tolist() == ["崇北社区"]
    assert data.reference == "所辖社区整体" and not [name for name in other_communities if name in text]
    whole, everything = report.monthly_report("崇文街道", "2022-12", db=plain, images=False)  # the CLI: all
    assert len(everything.communities) == 6 and everything.reference == "街道整体"
    with pytest.raises(report.ReportError, match="您的数据范围内崇文街道没有社区「永安社区」"):
        report.monthly_report("崇文街道", "2022-12", "永安社区", scope=CHONGBEI, db=plain, images=False)
    with pytest.raises(report.ReportError, match="您的数据范围内没有街道「许庄街道」"):
        report.monthly_report("许庄街道", "2022-12", scope=CHONGBEI, db=plain, images=False)


def test_the_table_browser_shows_a_scope_its_own_rows_only(plain):
    with connect_readonly(plain) as con:
        (code,) = con.execute("SELECT community_id FROM dim_communities WHERE community = '崇北社区'").fetchone()
        mine = con.execute("SELECT count(*) FROM tasks WHERE community_id = ?", [code]).fetchone()[0]
    with connect_readonly(plain) as con:
        relations = {r.name: r for r in explore.catalogue(con, community_ids=[code])}
        assert "tasks" in relations and not {"load_log", "task_claims", "warehouse_info"} & set(relations)
        # Rows rejected from a community's own ledgers (which its clerk fixes), and none of others'.
        (fudong, theirs) = con.execute(
            "SELECT community_id, count(*) FROM rejected_rows WHERE community_id IS NOT NULL"
            " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
        ).fetchone()
        rejected = explore.preview(con, relations["rejected_rows"], page_size=1000, community_ids=[fudong])
        assert rejected.total == theirs and set(rejected.frame["community_id"]) == {fudong}
        assert relations["tasks"].rows == mine
        shown = explore.preview(con, relations["tasks"], page_size=1000, community_ids=[code])
        assert shown.total == mine and set(shown.frame["community_id"]) == {code}
        everything = {r.name: r for r in explore.catalogue(con)}
        with pytest.raises(KeyError):
            explore.preview(con, everything["load_log"], community_ids=[code])
        assert explore.preview(con, relations["tasks"], community_ids=[]).total == 0


def test_a_grid_outside_the_filters_has_no_trend(plain):
    f = Filters("崇文街道", ("崇北社区",), dt.date(2022, 1, 1), dt.date(2022, 12, 31))
    with connect_readonly(plain) as con:
        assert not queries.grid_trend(con, f, "141181001002-01").empty  # 崇北社区's own grid
        assert queries.grid_trend(con, f, "141181001003-01").empty  # 永安社区's
