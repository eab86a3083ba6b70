"""Ledger text is data, never markup (issue 13): the escaping helpers of ``streetdash.text``, the chart
and map builders, every page over a warehouse of hostile ledgers (``tests/hostile.py``, loaded by the
real loader) and the Word report. The same warehouse in a real browser: tests/browser/test_escaping.py.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile

import pandas as pd
import pytest
from docx import Document
from streamlit.testing.v1 import AppTest

from streetdash import charts, maps, queries, report, text
from streetdash.db import connect_readonly
from streetdash.filters import Filters
from streetdash.metrics import metric
from tests.hostile import ALL_TEXT, CAMPAIGNS, COMMUNITIES, COURSES, GRIDS, MARKUP, MEDIATORS, STREET
from tests.pages.test_pages import open_page
from tests.signin import sign_in

md = text.markdown
WJ = text.WORD_JOINER
# More that Streamlit's Markdown would make something of: autolinks, emoji and icon shortcodes,
# typographic arrows, blocks (headings, lists, quotes, code, tables, setext), entities, escapes.
MORE = [
    "http://example.invalid/auto",
    "HTTPS://example.invalid",
    "www.example.invalid",
    "a@example.invalid",
    "<http://example.invalid>",
    ":smile: :+1: :material/home: :streamlit:",
    ":red-badge[x] :blue-background[y] :small[z]",
    "a -> b <- c <-> d -- e >= f <= g ~= h",
    "# 标题",
    "1. 列表",
    "2) 列表",
    "- 列表",
    "+ 列表",
    "> 引用",
    "    缩进",
    "\t- x",
    "a\nb\n\n# c",
    "标题\n===",
    "---",
    "| a | b |\n|---|---|",
    "&lt;b&gt; &amp; &#60;",
    "`code` ``x``",
    "~~删除~~ ~x~",
    "\\*x\\* \\",
    "_斜体_ __粗__ 崇文_2022_月报",
    "[x]: http://example.invalid",
    "[^1] [x][y]",
    "$$x$$ $a$ \\$b\\$",
    "张**、李*",
]
SAMPLES = MARKUP + ALL_TEXT + MORE


def shown(markdown_value: str) -> str:
    """What a reader sees of escaped Markdown: backslash escapes resolved, word joiners invisible."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown_value).replace(WJ, "")


def typed(value: str) -> str:
    """A ledger value as :func:`text.markdown` shows it (on one line, without surrounding space)."""
    return re.sub(r"\r\n|\r|\n", " ", value).strip()


# The Markdown helper -------------------------------------------------------------------------


@pytest.mark.parametrize("value", SAMPLES)
def test_escaped_markdown_is_one_paragraph_of_the_text_itself(value):
    # CommonMark (with GFM tables and strikethrough) is what Streamlit's renderer parses; the
    # Python implementation of the same spec shows what the escaped text parses to.
    markdown_it = pytest.importorskip("markdown_it")
    from markdown_it.common.utils import escapeHtml

    parser = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])
    html = parser.render(md(value)).replace(WJ, "")
    assert html == f"<p>{escapeHtml(typed(value))}</p>\n"
    assert shown(md(value)) == typed(value)


# What Streamlit 1.67's renderer rewrites in the *parsed* text, where backslash escapes are gone
# (static/js/StreamlitMarkdown*.js and remark-emoji*.js of the installed package): GFM autolink
# literals, emoji shortcodes, :material_…: icons (the source's ":material/" is rewritten first), the
# :streamlit: logo and typographic arrows; the KaTeX plugin loads when the source has unescaped $.
STREAMLIT_TEXT_REWRITES = [
    re.compile(r"(https?://|www(?=\.))([-.\w]+)([^ \t\r\n]*)", re.IGNORECASE | re.ASCII),
    re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)"),
    re.compile(r":\+1:|:-1:|:[\w-]+:", re.ASCII),
    re.compile(r":material_(\w+):", re.ASCII),
    re.compile(r":streamlit:"),
    re.compile(r"(^|\s)(<->|->|<-|--|>=|<=|~=)(\s|$)"),
]


@pytest.mark.parametrize("value", SAMPLES)
def test_escaped_markdown_escapes_what_streamlit_rewrites_after_parsing(value):
    escaped = md(value)
    parsed = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", escaped)  # the text nodes the plugins see
    assert [p.pattern for p in STREAMLIT_TEXT_REWRITES if p.search(parsed)] == []
    assert ":material/" not in escaped
    assert "$" not in re.sub(r"\\[\\$`]", "_", escaped)  # what Streamlit checks before loading KaTeX


def test_plain_words_come_out_as_they_went_in():
    assert md("崇北社区 · 2022年第4季度（统计期内）") == "崇北社区 · 2022年第4季度（统计期内）"
    assert md(None) == md(float("nan")) == ""
    assert md(12) == "12"


# The plotly helper ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", SAMPLES)
def test_plotly_text_has_no_tag_and_reads_back(value):
    escaped = text.plotly(value)
    assert "<" not in escaped and ">" not in escaped
    # plotly.js decodes &amp; &lt; &gt; (and numeric references) when it draws: no other '&…;' survives as one.
    assert re.sub(r"&(amp|lt|gt);", "", escaped).count("&") == 0
    assert text.from_plotly(escaped) == value


def test_plotly_leaves_numbers_dates_and_missing_values_alone():
    assert text.plotly(3) == 3 and text.plotly(None) is None
    day = pd.Timestamp("2024-11-01")
    assert text.plotly(day) is day
    months = pd.Series(pd.to_datetime(["2024-10-01", "2024-11-01"]))
    assert text.plotly_each(months) is months
    assert text.plotly_each(pd.Series([1.5, 2.0])).tolist() == [1.5, 2.0]
    assert text.plotly_each(["<b>", None, 1]) == ["&lt;b&gt;", None, 1]


def strings(node) -> list[str]:
    """Every string in a figure (its JSON as plotly.js receives it)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in strings(v)]
    if isinstance(node, list | tuple):
        return [s for v in node for s in strings(v)]
    return []


def figure_strings(fig) -> list[str]:
    return strings(json.loads(fig.to_json()))


def assert_no_ledger_markup(texts: list[str]) -> None:
    """No hostile ledger text with HTML in it reaches plotly as it is; it arrives entity-escaped."""
    for value in SAMPLES:
        if re.search(r"[<>&]", value):
            assert not any(value in s for s in texts), value


def test_chart_builders_escape_categories_names_titles_and_labels():
    names = [v for v in SAMPLES if "\n" not in v][:20]
    frame = pd.DataFrame({"社区": names, "<b>办结率</b>": [0.5] * len(names), "件数": range(len(names))})
    figures = [
        charts.bar(frame, "社区", "<b>办结率</b>", "<a href='http://example.invalid'>t</a>", kind="rate"),
        charts.bar(
            frame,
            "社区",
            ["<b>办结率</b>", "件数"],
            "<i>t</i>",
            horizontal=True,
            reference=0.4,
            reference_label="<b>整体</b>",
        ),
        charts.pie(names, [1] * len(names), "<img src=http://example.invalid/p.png>"),
        charts.funnel(names[:3], [3, 2, 1], "$x^2$<b>漏斗</b>"),
        charts.trend(
            pd.DataFrame(
                {"month": pd.to_datetime(["2024-10-01", "2024-11-01"]), "<b>发布</b>": [1, 2], "<i>率</i>": [0.1, 0.2]}
            ),
            "month",
            ["<b>发布</b>"],
            "<i>率</i>",
            "<b>趋势</b>",
        ),
    ]
    for fig in figures:
        texts = figure_strings(fig)
        assert_no_ledger_markup(texts)
        assert not any(re.search(r"<(a|b|i|img)[\s>]", s) for s in texts if "<extra>" not in s)
    bar, horizontal, pie, funnel, trend = figures
    assert list(bar.data[0].x) == [text.plotly(n) for n in names]
    assert [text.from_plotly(c) for c in horizontal.data[0].y] == names  # what a click reads back
    assert bar.layout.title.text == "&lt;a href='http://example.invalid'&gt;t&lt;/a&gt;"
    assert [t.name for t in horizontal.data] == ["&lt;b&gt;办结率&lt;/b&gt;", "件数"]
    assert horizontal.layout.annotations[0].text == "&lt;b&gt;整体&lt;/b&gt;"
    assert list(pie.data[0].labels) == [text.plotly(n) for n in names]
    assert list(funnel.data[0].y) == [text.plotly(n) for n in names[:3]]
    assert trend.data[1].hovertemplate == "%{y:.1%}<extra>&lt;i&gt;率&lt;/i&gt;</extra>"
    assert pd.api.types.is_datetime64_any_dtype(pd.Series(trend.data[0].x))  # months stay dates
    assert charts.config("x")["typesetMath"] is False  # $…$ stays text even where MathJax is loaded


def test_the_grid_map_escapes_names_in_hover_text(hostile):
    with connect_readonly(hostile) as con:
        f = Filters(STREET, (), dt.date(2024, 11, 1), dt.date(2024, 11, 30))
        shapes = maps.prepare_shapes(**queries.map_layers(con, f), basemap=maps.Basemap())
        fig = maps.grid_map(shapes, queries.grid_figures(con, f), metric("tasks.published"), maps.Basemap())
    texts = figure_strings(fig)
    assert_no_ledger_markup(texts)
    hover = [s for s in texts if "example.invalid" in s]
    assert text.plotly(GRIDS["G1"]) in hover and text.plotly(COMMUNITIES["H2"]) in hover  # customdata
    (gap,) = fig.data[[t.name for t in fig.data].index("覆盖空白")].text
    assert text.plotly(COMMUNITIES["H2"]) in gap and gap.startswith("<b>覆盖空白</b>")  # our markup stays
    (overlap,) = fig.data[[t.name for t in fig.data].index("网格重叠")].text
    assert f"{text.plotly(GRIDS['G1'])} 与 {text.plotly(GRIDS['G2'])}" in overlap


# Pages over the hostile warehouse ------------------------------------------------------------

PAGES = [
    "pages/overview.py",
    "pages/tasks.py",
    "pages/mediation.py",
    "pages/employment.py",
    "pages/campaigns.py",
    "pages/grid_map.py",
    "pages/data_status.py",
    "pages/explore.py",
    "pages/report.py",
]
NOVEMBER = dict(start="2024-11-01", end="2024-11-30")


def markdown_texts(at: AppTest) -> list[str]:
    """Everything on the page that Streamlit renders as Markdown."""
    texts = [
        e.value
        for kind in ("title", "header", "subheader", "caption", "markdown", "info", "success", "warning", "error")
        for e in getattr(at, kind)
    ]
    texts += [t for m in at.metric for t in (m.label, m.value, m.proto.help)]
    texts += [e.label for e in at.expander] + [t.label for t in at.tabs]
    texts += [link.proto.label for link in at.get("page_link")]
    texts += [b.proto.label for b in at.get("download_button")] + [b.proto.help for b in at.get("download_button")]
    return texts


def chart_texts(at: AppTest) -> list[str]:
    return [s for chart in at.get("plotly_chart") for s in strings(json.loads(chart.proto.spec))]


def assert_page_shows_ledger_text_as_text(at: AppTest) -> None:
    # Every ledger text has punctuation that escaping changes: as it was typed, it must appear in no
    # Markdown element, and in no chart where it has HTML in it.
    for shown_text in markdown_texts(at):
        for value in ALL_TEXT:
            assert value not in shown_text, (value, shown_text)
    assert_no_ledger_markup(chart_texts(at))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_hostile_ledger_text_as_text(hostile, page, monkeypatch):
    at = open_page(page, hostile, monkeypatch, **NOVEMBER)
    assert_page_shows_ledger_text_as_text(at)
    if page == "pages/report.py":
        assert any(c.value == f"街道：{md(STREET)}（在左侧筛选中更换）" for c in at.caption)
    elif page not in ("pages/data_status.py", "pages/explore.py"):
        assert any(c.value.startswith(f"{md(STREET)}全部社区 · 2024年11月") for c in at.caption)


def test_overview_attention_links_and_score_parts(hostile, monkeypatch):
    at = open_page("pages/overview.py", hostile, monkeypatch, **NOVEMBER)
    links = [link.proto.label for link in at.get("page_link")]
    assert md(f"{COMMUNITIES['H1']}：超期未办结任务 1 件") in links
    community, campaign, indicator, unit, target, actual, _ = CAMPAIGNS[0]
    behind = f"{COMMUNITIES[community]}「{campaign}·{indicator}」完成 {actual:,.1f}，目标 {target:,.0f}{unit}"
    assert md(behind) in links
    # The month's 考核: names as typed in its table, escaped in the sentence on the last-ranked's lost points.
    ranked = next(d.value for d in at.dataframe if "得分" in d.value.columns)
    last = ranked["社区"].tolist()[-1]
    assert last in COMMUNITIES.values()
    assert any(m.value.startswith(f"**{md(last)}** ") for m in at.markdown)
    # Tables are plain text cells: the names as typed.
    assert set(COMMUNITIES.values()) <= set(at.dataframe[0].value["社区"])


def test_campaign_cards(hostile, monkeypatch):
    at = open_page("pages/campaigns.py", hostile, monkeypatch, **NOVEMBER)
    community, campaign, indicator, unit, *_ = CAMPAIGNS[0]
    assert any(m.value == f"**{md(COMMUNITIES[community])}** · {md(campaign)}" for m in at.markdown)
    card = next(m for m in at.metric if m.label == md(indicator))
    assert card.value == f"3 / 10{md(unit)}"
    assert next(m for m in at.metric if m.label == md(CAMPAIGNS[1][2])).value == "0 / 95"  # no unit, no "nan"


def test_community_charts_tables_and_a_click_back_to_the_filters(hostile, monkeypatch):
    at = open_page("pages/tasks.py", hostile, monkeypatch, **NOVEMBER)
    chart = json.loads(at.get("plotly_chart")[1].proto.spec)  # 各社区办结率
    assert set(chart["data"][0]["y"]) == {text.plotly(n) for n in COMMUNITIES.values()}
    assert set(at.dataframe[1].value["社区"]) == {COMMUNITIES[c] for c in ("H1", "H2", "H4")}  # overdue tasks
    at = open_page("pages/mediation.py", hostile, monkeypatch, **NOVEMBER)
    assert set(at.dataframe[0].value["调解组织"]) == set(MEDIATORS)
    at = open_page("pages/employment.py", hostile, monkeypatch, **NOVEMBER)
    assert set(at.dataframe[0].value["培训项目"]) == set(COURSES)


def test_a_click_on_an_escaped_category_narrows_to_the_community(hostile, monkeypatch):
    """ui.drill_down reads the clicked bar's category (escaped for plotly) back as the community."""

    def script():
        import datetime as dt

        import streamlit as st

        from streetdash import text
        from streetdash.app import auth, ui
        from streetdash.filters import Filters
        from tests.hostile import COMMUNITIES, STREET

        auth.current_user()  # what dashboard.py does first
        if "pending_filters" not in st.session_state:
            f = Filters(STREET, (), dt.date(2024, 11, 1), dt.date(2024, 11, 30))
            clicked = text.plotly(COMMUNITIES["H2"])
            ui.drill_down({"selection": {"points": [{"x": 0.5, "y": clicked}]}}, f)

    monkeypatch.setenv("WAREHOUSE_DB", str(hostile))
    at = sign_in(AppTest.from_function(script, default_timeout=60), "district")  # the scope lists the communities
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["pending_filters"].communities == (COMMUNITIES["H2"],)


def test_grid_checks_and_a_grid_card(hostile, monkeypatch):
    at = open_page("pages/grid_map.py", hostile, monkeypatch, **NOVEMBER, grid="G1")
    assert_page_shows_ledger_text_as_text(at)
    checks = " ".join(m.value for m in at.markdown)
    assert f"**{md(COMMUNITIES['H1'])} · {md(GRIDS['G2'])}**" in checks
    assert md(f"与{GRIDS['G2']}（G2）重叠") in checks
    assert any(h.value == md(f"{GRIDS['G1']}（G1）") for h in at.subheader)
    card = next(c.value for c in at.caption if "网格长" in c.value)
    assert card.startswith(f"{md(COMMUNITIES['H1'])} · 网格长 {md('张**')} · ")
    assert any(md("超标网格：600 户") in w.value for w in at.warning)
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert any(text.plotly(GRIDS["G1"]) in strings(f["data"]) for f in figures)  # map hover
    titles = [f["layout"].get("title", {}).get("text") for f in figures]
    assert text.plotly(f"{GRIDS['G1']}每月任务与纠纷（近12个月）") in titles


def test_explore_pivot_chart(hostile, monkeypatch):
    at = open_page("pages/explore.py", hostile, monkeypatch, **NOVEMBER)
    (chart,) = at.get("plotly_chart")
    assert set(json.loads(chart.proto.spec)["data"][0]["x"]) == {text.plotly(n) for n in COMMUNITIES.values()}


@pytest.fixture(scope="module")
def close_the_chart_browser():
    yield
    from streetdash import export

    export.shutdown()


def test_the_report_page(hostile, monkeypatch, close_the_chart_browser):
    at = open_page("pages/report.py", hostile, monkeypatch, **NOVEMBER)
    at.selectbox(key="report_community").set_value(COMMUNITIES["H1"]).run()
    at.button[0].click().run()
    assert not at.exception and not at.error, at.error
    assert at.success[0].value == f"已生成：{md(COMMUNITIES['H1'])}\\_2024年11月\\_工作月报"
    _, _, figures = at.session_state["report"]
    assert at.markdown[0].value == md(report.summary(figures))
    assert md(f"{COMMUNITIES['H1']}：超期未办结任务 1 件") in at.markdown[1].value
    assert_page_shows_ledger_text_as_text(at)


# The Word report -------------------------------------------------------------------------------


def test_the_word_report_holds_ledger_text_as_plain_text(hostile):
    """python-docx writes runs of text (XML-escaped by lxml): nothing in a name becomes a hyperlink,
    an image, a field or formatting, so the report needs no escaping, only the text as it was typed."""
    raw, _ = report.monthly_report(STREET, "2024-11", db=hostile, images=False)
    document = Document(io.BytesIO(raw))
    paragraphs = [p.text for p in document.paragraphs]
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert paragraphs[0] == f"{STREET}2024年11月工作月报"
    assert set(COMMUNITIES.values()) <= cells  # ranking
    for community, campaign, indicator, *_ in CAMPAIGNS:
        assert {COMMUNITIES[community], campaign, indicator} <= cells  # campaign table
    assert f"{COMMUNITIES['H1']}：超期未办结任务 1 件" in paragraphs  # 需要关注
    assert "［图：各社区办结率（虚线为街道整体）］" in paragraphs
    with zipfile.ZipFile(io.BytesIO(raw)) as docx:
        body = docx.read("word/document.xml").decode()
        relations = " ".join(docx.read(n).decode() for n in docx.namelist() if n.endswith(".rels"))
        media = [n for n in docx.namelist() if n.startswith("word/media/")]
    assert "<w:hyperlink" not in body and "<w:fldSimple" not in body and "<w:instrText" not in body
    assert '<a href="http://example.invalid' not in body and "&lt;a href=" in body
    assert "example.invalid" not in relations and 'TargetMode="External"' not in relations
    assert media == []  # images=False: no picture at all, none fetched from a name


def test_a_community_word_report_keeps_its_name(hostile):
    raw, data = report.monthly_report(STREET, "2024-11", COMMUNITIES["H4"], db=hostile, images=False)
    assert Document(io.BytesIO(raw)).paragraphs[0].text == f"{COMMUNITIES['H4']}2024年11月工作月报"
    assert report.default_file_name(data) == f"{COMMUNITIES['H4']}_2024年11月_工作月报.docx"
