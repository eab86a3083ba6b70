"""A community secretary sees their community and nothing else, checked by content: the overview's
cards and tables, the tasks table, the grid map and card, the Excel/CSV files and the figure a PNG is
drawn from, the monthly report's text, the pivot and the table browser, and the load status; a link
forged to another community or street shows none of its data and says so."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pandas as pd
import pytest
from docx import Document

from streetdash import export, metrics, queries
from streetdash.app import auth
from streetdash.db import connect_readonly
from streetdash.filters import Filters
from streetdash.metrics import format_value
from streetdash.text import markdown
from tests.pages.test_downloads import downloads  # noqa: F401 - fixture
from tests.pages.test_pages import open_page

MINE = "崇北社区"
YEAR = dict(start="2022-01-01", end="2022-12-31")
START, END = dt.date(2022, 1, 1), dt.date(2022, 12, 31)


@pytest.fixture(scope="module")
def own(plain) -> pd.Series:
    """崇北社区's own figures for 2022, from the metrics layer."""
    with connect_readonly(plain) as con:
        return metrics.selection_metrics(con, START, END, [MINE]).iloc[0]


def community_page(page: str, plain, monkeypatch, **query):
    return open_page(page, plain, monkeypatch, user="community", **{"street": "崇文街道", **YEAR, **query})


def shown_text(at) -> str:
    """Everything the page shows as text: cards, tables, captions, markdown, links, subheaders."""
    parts = [f"{m.label} {m.value}" for m in at.metric]
    parts += [d.value.to_string() for d in at.dataframe]
    parts += [e.value for e in [*at.caption, *at.markdown, *at.subheader, *at.warning, *at.info]]
    parts += [link.proto.label for link in at.get("page_link")]
    return "\n".join(parts)


def cards(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def assert_own_cards(at, own: pd.Series) -> None:
    shown = cards(at)
    assert shown["办结率"] == format_value("tasks.closure_rate", own["tasks_closure_rate"]) == "92.9%"
    assert shown["按期办结率"] == format_value("tasks.on_time_rate", own["tasks_on_time_rate"])
    assert shown["调解成功率"] == format_value("mediation.success_rate", own["mediation_success_rate"])
    assert shown["发布就业信息（条）"] == format_value("jobs.postings", own["jobs_postings"]) == "61"


def test_the_overview_holds_the_community_only(plain, monkeypatch, own, other_communities):
    at = community_page("pages/overview.py", plain, monkeypatch)
    assert_own_cards(at, own)
    ranking = at.dataframe[0].value
    assert ranking["社区"].tolist() == [MINE] and ranking["发布任务数"].tolist() == [61]
    assert at.caption[0].value.startswith(f"{MINE} · 2022年")
    assert not [name for name in other_communities if name in shown_text(at)]
    assert at.sidebar.selectbox[0].options == ["崇文街道"] and at.sidebar.multiselect[0].options == [MINE]


def test_a_link_forged_to_another_community_shows_none_of_it(plain, monkeypatch, own, other_communities):
    at = community_page("pages/overview.py", plain, monkeypatch, community="永安社区")
    assert f"{auth.literal('永安社区')}不在您的数据范围" in at.warning[0].value
    assert_own_cards(at, own)  # 崇北's figures, not 永安's
    assert not [name for name in other_communities if name in shown_text(at).replace(at.warning[0].value, "")]
    street = community_page("pages/tasks.py", plain, monkeypatch, street="许庄街道", community="古桥社区")
    assert f"{auth.literal('许庄街道')}、{auth.literal('古桥社区')}不在您的数据范围" in street.warning[0].value
    assert cards(street)["发布任务数"] == "61"  # still 崇北's
    assert "古桥社区" not in shown_text(street).replace(street.warning[0].value, "")
    # What a link asks for is shown as text: a forged Markdown link in it is no link.
    forged = community_page("pages/overview.py", plain, monkeypatch, community="[请重新登录](https://evil.example)")
    assert "`[请重新登录](https://evil.example)`不在您的数据范围" in forged.warning[0].value


def test_the_tasks_page_and_its_files_hold_the_community_only(plain, monkeypatch, downloads, own):  # noqa: F811
    captured = []
    monkeypatch.setattr(export, "figure_png", lambda fig, *a, **k: captured.append(fig) or b"png")
    at = community_page("pages/tasks.py", plain, monkeypatch)
    shown = at.dataframe[-1].value  # 超期未办结任务
    with connect_readonly(plain) as con:
        expected = queries.overdue_tasks(con, Filters("崇文街道", (MINE,), START, END))
        others = con.execute("SELECT task_id FROM stg_tasks WHERE community <> ?", [MINE]).df()["task_id"]
    assert shown["任务编号"].tolist() == expected["任务编号"].tolist() and len(shown) == own["tasks_overdue_open"] == 5
    assert not set(shown["任务编号"]) & set(others)
    book = openpyxl.load_workbook(io.BytesIO(downloads[f"超期未办结任务_{MINE}_2022年.xlsx"]()))
    rows = list(book.worksheets[0].values)
    assert [r[1] for r in rows[1:]] == expected["任务编号"].tolist()
    assert {r[0]: r[1] for r in book["筛选条件"].values}["社区"] == MINE
    csv = pd.read_csv(io.BytesIO(downloads[f"超期未办结任务_{MINE}_2022年.csv"]()), encoding="utf-8-sig")
    assert csv["任务编号"].tolist() == expected["任务编号"].tolist()
    by_category = pd.read_csv(io.BytesIO(downloads[f"任务按类别_{MINE}_2022年.csv"]()), encoding="utf-8-sig")
    assert by_category["发布"].sum() == 61
    # The figure a PNG download is drawn from: the one community's bar, nothing of the street.
    downloads[f"各社区办结率_{MINE}_2022年.png"]()
    (figure,) = captured
    assert [list(t.y) for t in figure.data if t.type == "bar"] == [[MINE]]
    assert list(figure.data[0].x) == pytest.approx([own["tasks_closure_rate"]])


def test_the_grid_map_and_card_hold_the_community_only(plain, monkeypatch):
    with connect_readonly(plain) as con:
        grids = con.execute("SELECT community, grid_id FROM stg_grids WHERE street = '崇文街道'").df()
    mine = set(grids.loc[grids["community"] == MINE, "grid_id"])
    other = sorted(set(grids["grid_id"]) - mine)[0]
    at = community_page("pages/grid_map.py", plain, monkeypatch, grid=other)
    assert f"网格「{auth.literal(other)}」不在当前范围内" in at.warning[0].value
    assert not [h for h in at.subheader if markdown(other) in h.value]  # no card for it
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    located = {loc for trace in spec["data"] for loc in trace.get("locations") or []}
    with connect_readonly(plain) as con:
        (code,) = con.execute("SELECT community_id FROM dim_communities WHERE community = ?", [MINE]).fetchone()
    assert located == mine | {code}  # the grids, and the community's own outline
    assert cards(at)["网格数"] == "8"
    checks = at.dataframe[0].value if at.dataframe else pd.DataFrame({"社区": []})
    assert set(checks["社区"]) <= {MINE}
    card = community_page("pages/grid_map.py", plain, monkeypatch, grid=sorted(mine)[0])
    assert any(markdown(sorted(mine)[0]) in h.value for h in card.subheader) and not card.warning


def test_the_monthly_report_is_of_the_community_only(plain, monkeypatch, other_communities):
    from PIL import Image

    drawn = []
    tiny = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(tiny, format="PNG")
    monkeypatch.setattr(export, "figure_png", lambda fig, *a, **k: drawn.append(fig) or tiny.getvalue())
    at = community_page("pages/report.py", plain, monkeypatch, start="2022-12-01", end="2022-12-31")
    assert at.selectbox(key="report_community").options == ["（全部可查看的社区）", MINE]
    at.button(key="report_make").click().run()
    assert not at.exception and not at.error, at.error
    _, document, figures = at.session_state["report"]
    doc = Document(io.BytesIO(document))
    text = "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    assert not [name for name in other_communities if name in text]
    assert "街道整体" not in text and "所辖社区整体" in text
    with connect_readonly(plain) as con:
        december = metrics.selection_metrics(con, dt.date(2022, 12, 1), dt.date(2022, 12, 31), [MINE]).iloc[0]
    assert f"发布任务数 {format_value('tasks.published', december['tasks_published'], with_unit=True)}" in text
    assert doc.paragraphs[0].text == f"{MINE}2022年12月工作月报"
    ranking = next(t for t in doc.tables if t.rows[0].cells[0].text == "名次")
    assert [r.cells[1].text for r in ranking.rows[1:]] == [MINE]
    by_community = [f for f in drawn if "各社区" in (f.layout.title.text or "")]
    assert len(by_community) == 6  # 办结率, 就业, 户数覆盖率, 每名网格员服务户数, 双报到, 销号率
    for figure in by_community:
        assert {c for t in figure.data for c in (t.y if t.orientation == "h" else t.x)} == {MINE}
    assert figures.communities["community"].tolist() == [MINE]


def test_the_pivot_and_the_table_browser_hold_the_community_only(plain, monkeypatch):
    at = community_page("pages/explore.py", plain, monkeypatch)
    table = next(d.value for d in at.dataframe if "合计" in d.value.columns or "任务数" in d.value.columns)
    assert table.iloc[:, 0].tolist() == [MINE, "合计"] and table.iloc[:, 1].tolist() == [61, 61]
    relations = {o.split("（")[0] for o in at.selectbox(key="x_relation").options}
    assert "stg_tasks" in relations and not {"load_log", "task_claims"} & relations
    preview = next(d.value for d in at.dataframe if "task_id" in d.value.columns)
    assert set(preview["community"]) == {MINE}
    with connect_readonly(plain) as con:
        rows = con.execute("SELECT count(*) FROM stg_tasks WHERE community = ?", [MINE]).fetchall()[0][0]
    assert any(c.value.startswith(f"符合条件 {rows:,} 行") for c in at.caption)
    # The SQL runs on a database holding only the scope's rows (streetdash/scoped.py).
    at.text_area(key="x_sql").input("SELECT DISTINCT community FROM stg_tasks")
    at.button(key="x_run").click().run()
    assert not at.error, at.error
    result = next(d.value for d in at.dataframe if list(d.value.columns) == ["community"])
    assert result["community"].tolist() == [MINE]


def test_the_load_status_lists_the_communitys_own_files(plain, monkeypatch):
    at = community_page("pages/data_status.py", plain, monkeypatch)
    files = set(at.dataframe[0].value["文件"])
    assert "崇北社区任务台账.xlsx" in files
    assert not {"永安社区任务台账.xlsx", "许庄街道任务台账.csv", "社区名录.xlsx"} & files
    assert not [c for c in at.caption if str(plain) in c.value]  # no server path for a non-administrator
