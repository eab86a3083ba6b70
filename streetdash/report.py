"""The monthly report (月报) a street secretary hands up to the district, as a Word document.

Every number comes from the metrics layer (``streetdash.metrics`` macros) and is written by the
catalogue's formatter; every sentence is built from the catalogue's names and units, so nothing
here knows a figure. 环比 compares with ``Filters.previous()``, 同比 with ``Filters.year_before()``,
and only where that period has records for the topic. Charts are the dashboard's own builders
(``streetdash.charts``) drawn by the export engine (``streetdash.export``). Pure Python: the page
``pages/report.py`` and ``python -m etl report`` both call :func:`build_report`.

Names from the ledgers go into the document as plain text runs: python-docx interprets no markup in
them (``tests/test_escaping.py`` checks it), so nothing here is escaped.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from streetdash import assessment, charts, export, queries, ranking, topics
from streetdash import metrics as layer
from streetdash.access import NO_COMMUNITY, Scope
from streetdash.attention import attention_items
from streetdash.db import connect_readonly
from streetdash.filters import Filters, add_months, month_end
from streetdash.metrics import Metric, format_number, format_value, is_missing, load_catalogue
from streetdash.text import from_plotly

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"
NUMERALS = "一二三四五六七八九十"
BODY_FONT, HEADING_FONT, LATIN_FONT = "宋体", "黑体", "Times New Roman"  # what district offices' Word has
GREEN, RED = RGBColor(0x2E, 0x7D, 0x32), RGBColor(0xC6, 0x28, 0x28)
NO_COMPARISON = "无可比数据"


class ReportError(ValueError):
    """A report that cannot be made as asked; the message is a Chinese sentence for the user."""


@dataclass(frozen=True)
class Topic:
    """One section of the report."""

    title: str
    keys: list[str]  # metrics in the section's table
    headline: list[str]  # metrics in the summary and the section's first sentence
    volume: list[str]  # a period where all of these are 0 has no records for the topic
    nothing: str  # what the section says when the month has no records for it
    periodic: bool = True  # False: a standing list (grids), no 环比/同比


TOPICS = [
    Topic(
        "任务办结",
        topics.TASKS,
        ["tasks.published", "tasks.claims", "tasks.closed", "tasks.closure_rate"],
        ["tasks.published", "tasks.claims"],
        "本月没有发布任务，也没有接单记录。",
    ),
    Topic(
        "矛盾调解",
        topics.MEDIATION,
        ["mediation.cases", "mediation.success_rate", "mediation.grid_rate"],
        ["mediation.cases"],
        "本月没有受理矛盾纠纷。",
    ),
    Topic(
        "就业服务",
        topics.EMPLOYMENT,
        ["jobs.postings", "jobs.intents", "jobs.placements"],
        ["jobs.postings", "jobs.registrations", "jobs.trainees", "events.count"],
        "本月没有就业信息、就业服务、培训或活动记录。",
    ),
    Topic(
        "网格",
        topics.GRIDS,
        [
            "grids.count",
            "grids.household_coverage",
            "grids.area_coverage",
            "grids.overlaps",
            "grids.households_per_staff",
        ],
        ["grids.count"],
        "网格名录中没有网格。",
        periodic=False,
    ),
    Topic(
        "领题攻坚与积分",
        topics.POINTS,
        ["points.participants", "points.earned", "points.redeemed"],
        ["points.participants"],
        "本月没有积分记录。",
    ),
    Topic(
        "党建引领",
        topics.PARTY,
        ["party.registered", "party.active_rate", "projects.total", "projects.closure_rate", "projects.overdue"],
        # Flows and registrations only: organisations are a standing list, in every month since they were founded.
        ["party.registered", "projects.total", "units.count", "volunteers.teams"],
        "没有报到党员、共建单位、计划完成的项目或志愿服务的台账记录。",
    ),
]


@dataclass
class ReportData:
    """Everything the report says, read from the warehouse in one go."""

    filters: Filters
    latest: dt.date  # the last day with records
    current: pd.Series
    previous: pd.Series | None
    year_before: pd.Series | None
    street_row: pd.Series | None  # the whole street (the reference in a community's report)
    monthly: pd.DataFrame  # the scope per month, twelve months ending with the report's month
    communities: pd.DataFrame  # community_metrics of the street (ranking, bars)
    scope_communities: pd.DataFrame  # community_metrics of the scope (attention)
    campaigns: pd.DataFrame
    mediation_levels: pd.DataFrame
    grid_map: object = None  # the scope's grid map (a plotly figure), None without boundaries
    assessment: assessment.Assessment | None = None  # the month's 考核 of the street's communities
    generated_at: dt.datetime = field(default_factory=dt.datetime.now)
    # What the communities are compared with: the street, or for a reader limited to some of its
    # communities the communities they may see (the report never holds the rest of the street).
    reference: str = "街道整体"

    @property
    def scope(self) -> str:
        f = self.filters
        return "、".join(f.communities) if f.communities else f.street or ""

    @property
    def community_report(self) -> bool:
        return bool(self.filters.communities)


# Reading ------------------------------------------------------------------------------------------


def parse_month(text: str) -> dt.date:
    """The first day of a ``YYYY-MM`` month; :class:`ReportError` in Chinese otherwise."""
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ReportError(f"月份应写作 YYYY-MM（例如 2022-12），收到「{text}」。")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def report_filters(
    con: duckdb.DuckDBPyConnection,
    street: str,
    month: str | dt.date,
    community: str | None = None,
    scope: Scope = Scope.everything(),  # noqa: B008 - a frozen value
):
    """The filters of a monthly report, checked against the warehouse (street, community, month) and cut
    to the reader's ``scope`` (:meth:`Scope.clamp`): a community reader's street report is of their
    communities."""
    start = parse_month(month) if isinstance(month, str) else month.replace(day=1)
    everything = queries.scope_options(con)
    streets = scope.options(everything)
    where = "数仓中" if scope.is_everything else "您的数据范围内"
    if street not in streets:
        raise ReportError(f"{where}没有街道「{street}」。可选的街道：{'、'.join(streets) or '（无）'}。")
    if community and community not in streets[street]:
        raise ReportError(f"{where}{street}没有社区「{community}」。可选的社区：{'、'.join(streets[street])}。")
    latest = queries.latest_data_day(con)
    if start > latest:
        raise ReportError(
            f"{start.year}年{start.month}月晚于数据截至日期 {latest:%Y-%m-%d}，没有可报告的数据。请选择更早的月份。"
        )
    # A month the data stops in ends on the data's last day, and compares with as many days before.
    asked = Filters(street, (community,) if community else (), start, month_end(start)).cut_at(latest)
    return scope.clamp(asked, everything), latest


def _row(frame: pd.DataFrame) -> pd.Series | None:
    return frame.iloc[0] if not frame.empty else None


def read_report_data(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    latest: dt.date,
    scope: Scope = Scope.everything(),  # noqa: B008 - a frozen value
) -> ReportData:
    """The figures of the report for filters ``f`` (a street or one community, one month).

    The ranking and the reference line are the street's communities and the street as a whole, or, for
    a ``scope`` that allows only some communities, those communities and their sum: nothing outside
    the scope is read.
    """

    def scope_row(period: Filters) -> pd.Series | None:
        return _row(layer.scope_metrics(con, period.start, period.end, period.street, period.communities))

    trend_start = add_months(f.start, -11)
    street_wide = scope.is_everything or scope.communities is None
    if street_wide:
        visible: tuple[str, ...] = ()
        reference_row = _row(layer.street_metrics(con, f.start, f.end, f.street))
    else:
        visible = tuple(scope.options(queries.scope_options(con)).get(f.street, ())) or (NO_COMMUNITY,)
        reference_row = _row(layer.scope_metrics(con, f.start, f.end, f.street, visible))
    return ReportData(
        filters=f,
        latest=latest,
        current=scope_row(f),
        previous=scope_row(f.previous()),
        year_before=scope_row(f.year_before()),
        street_row=reference_row,
        monthly=layer.scope_monthly(con, trend_start, f.end, f.street, f.communities),
        communities=layer.community_metrics(con, f.start, f.end, f.street, visible),
        scope_communities=layer.community_metrics(con, f.start, f.end, f.street, f.communities),
        campaigns=queries.campaigns(con, f),
        mediation_levels=queries.mediation_by_level(con, f),
        grid_map=_grid_map(con, f),
        reference="街道整体" if street_wide else "所辖社区整体",
        assessment=assessment.read_assessment(con, f.street, f.start, months=2, communities=visible),
    )


def _grid_map(con: duckdb.DuckDBPyConnection, f: Filters):
    """The grid map of the scope coloured by events per 1,000 households, GeoJSON inline and no tiles
    (a printed report is read away from any tile server)."""
    from streetdash import maps

    basemap = maps.Basemap()
    shapes = maps.prepare_shapes(**queries.map_layers(con, f), basemap=basemap)
    return maps.grid_map(shapes, queries.grid_figures(con, f), load_catalogue()["grids.events_per_1000"], basemap)


# Wording ------------------------------------------------------------------------------------------


def spoken(m: Metric, value) -> str:
    """A metric and its value as a report writes it: 发布任务数 39 件, 办结率 87.2%, 发布就业信息 48 条."""
    base, _, aside = m.name.partition("（")
    if aside.rstrip("）") == m.unit:  # 发布就业信息（条） -> 发布就业信息 48 条
        return f"{base} {format_value(m.key, value, with_unit=True)}"
    return f"{m.name} {format_value(m.key, value, with_unit=m.format != 'rate')}"


def has_records(row: pd.Series | None, topic: Topic) -> bool:
    """Whether a period has any record for the topic (else there is nothing to compare with)."""
    if row is None:
        return False
    values = [row.get(key.replace(".", "_")) for key in topic.volume]
    return any(not is_missing(v) and v > 0 for v in values)


def change(m: Metric, value, before, *, brief: bool = False) -> str | None:
    """How ``value`` moved from ``before``, for a table: -10 件（-20.4%）, +3.1 个百分点, 持平; with
    ``brief``, for a sentence: 下降 20.4%, 提高 3.1 个百分点, 增加 0.4 天. None if either is missing."""
    if is_missing(value) or is_missing(before):
        return None
    delta = float(value) - float(before)
    if abs(delta) < 1e-9:
        return "持平"
    relative = f"{delta / float(before):+.1%}" if m.format in ("count", "points") and before else ""
    if m.format == "rate":
        amount = f"{abs(delta) * 100:.1f} 个百分点"
    else:
        amount = format_number(abs(delta), m.format, m.unit)
    if brief:
        if relative:
            return f"{'增长' if delta > 0 else '下降'} {relative[1:]}"
        return (
            f"{('提高' if delta > 0 else '下降') if m.format == 'rate' else ('增加' if delta > 0 else '减少')} {amount}"
        )
    return f"{'+' if delta > 0 else '-'}{amount}" + (f"（{relative}）" if relative else "")


def comparisons(data: ReportData, topic: Topic, key: str, *, brief: bool = False) -> tuple[str | None, str | None]:
    """(环比, 同比) of one metric; None where the other period has no records for the topic."""
    if not topic.periodic:
        return None, None
    m, column = load_catalogue()[key], key.replace(".", "_")
    value = data.current.get(column)
    out = []
    for other in (data.previous, data.year_before):
        out.append(change(m, value, other.get(column), brief=brief) if has_records(other, topic) else None)
    return out[0], out[1]


def sentence(data: ReportData, topic: Topic) -> str:
    """The topic's headline figures, each with its change against last month and last year."""
    if not has_records(data.current, topic):
        return topic.nothing
    parts = []
    for key in topic.headline:
        m = load_catalogue()[key]
        if is_missing(data.current.get(m.column)):
            continue  # no figure (no boundaries for area coverage): the table says "—", prose says nothing
        month_before, year_before = comparisons(data, topic, key, brief=True)
        moves = [f"环比{month_before}" if month_before else "", f"同比{year_before}" if year_before else ""]
        moves = "，".join(x for x in moves if x)
        parts.append(spoken(m, data.current.get(m.column)) + (f"（{moves}）" if moves else ""))
    return "，".join(parts) + "。"


def summary(data: ReportData) -> str:
    """The opening paragraph: the period, the scope and every topic's headline figures."""
    f = data.filters
    lead = f"{f.label()}，{data.scope}"
    topics = [t for t in TOPICS if t.periodic and has_records(data.current, t)]
    body = "；".join(sentence(data, t).rstrip("。") for t in topics)
    if not body:
        return f"{lead}没有任何台账记录（数据截至 {data.latest:%Y-%m-%d}）。"
    notes = []
    if not has_records(data.previous, TOPICS[0]) and not has_records(data.year_before, TOPICS[0]):
        notes.append(f"上月和去年同月{NO_COMPARISON}")
    return f"{lead}{body}。" + ("".join(f"（{n}）" for n in notes))


# Figures ------------------------------------------------------------------------------------------


def topic_figures(data: ReportData, topic: Topic) -> list[tuple[str, object]]:
    """(name, plotly figure or None) of a section, built by the dashboard's chart builders."""
    monthly, communities = data.monthly, data.communities.copy()
    reference = data.street_row
    if topic.title == "任务办结":
        frame = monthly.rename(
            columns={
                "tasks_published": "发布",
                "tasks_claims": "接单",
                "tasks_closed": "办结",
                "tasks_closure_rate": "办结率",
            }
        )
        return [
            (
                "任务_月度趋势",
                charts.trend(frame, "month", ["发布", "接单", "办结"], "办结率", "近12个月发布、接单与办结"),
            ),
            (
                "各社区办结率",
                charts.bar(
                    communities.sort_values("tasks_closure_rate"),
                    "community",
                    "tasks_closure_rate",
                    f"各社区办结率（虚线为{data.reference}）",
                    kind="rate",
                    horizontal=True,
                    reference=None if reference is None else reference["tasks_closure_rate"],
                    reference_label=data.reference,
                ),
            ),
        ]
    if topic.title == "矛盾调解":
        frame = monthly.rename(
            columns={"mediation_cases": "受理", "mediation_closed": "结案", "mediation_success_rate": "调解成功率"}
        )
        levels = data.mediation_levels
        return [
            ("调解_月度趋势", charts.trend(frame, "month", ["受理", "结案"], "调解成功率", "近12个月受理与结案")),
            (
                "化解层级",
                charts.pie(levels["化解层级"].tolist(), levels["案件数"].tolist(), "本月化解在哪一级（已办结案件）"),
            ),
        ]
    if topic.title == "就业服务":
        frame = monthly.rename(columns={"jobs_postings": "就业信息", "jobs_vacancies": "岗位数"})
        fig = charts.bar(communities, "community", ["jobs_postings", "jobs_placements"], "各社区就业信息与实现就业")
        if fig is not None:
            names = {"jobs_postings": load_catalogue()["jobs.postings"].name, "jobs_placements": "实现就业（人）"}
            fig.for_each_trace(lambda t: t.update(name=names[t.name]))
        return [
            (
                "就业_月度趋势",
                charts.trend(frame, "month", ["就业信息", "岗位数"], None, "近12个月发布的就业信息与岗位"),
            ),
            ("各社区就业", fig),
        ]
    if topic.title == "网格":
        return [
            ("网格地图", data.grid_map),
            (
                "各社区户数覆盖率",
                charts.bar(
                    communities.sort_values("grids_household_coverage"),
                    "community",
                    "grids_household_coverage",
                    "各社区网格户数覆盖率",
                    kind="rate",
                    horizontal=True,
                ),
            ),
            (
                "每名网格员服务户数",
                charts.bar(
                    communities.sort_values("grids_households_per_staff"),
                    "community",
                    "grids_households_per_staff",
                    "各社区每名网格员服务户数",
                    kind="ratio",
                    horizontal=True,
                ),
            ),
        ]
    if topic.title == "党建引领":
        members = charts.bar(
            communities, "community", ["party_registered", "party_active"], "各社区报到党员与参与党员（人）"
        )
        if members is not None:
            members.for_each_trace(
                lambda t: t.update(name={"party_registered": "报到党员", "party_active": "参与党员"}[t.name])
            )
        planned = communities[communities["projects_total"] > 0].sort_values("projects_closure_rate")
        return [
            ("各社区双报到", members),
            (
                "各社区销号率",
                charts.bar(
                    planned,
                    "community",
                    "projects_closure_rate",
                    f"各社区本月计划完成项目的销号率（虚线为{data.reference}）",
                    kind="rate",
                    horizontal=True,
                    reference=None if reference is None else reference["projects_closure_rate"],
                    reference_label=data.reference,
                ),
            ),
        ]
    frame = monthly.rename(columns={"points_earned": "获得积分", "points_redeemed": "兑换积分"})
    has_points = not frame.empty and frame[["获得积分", "兑换积分"]].fillna(0).to_numpy().any()
    return [
        (
            "积分_月度趋势",
            charts.trend(frame, "month", ["获得积分", "兑换积分"], None, "近12个月获得与兑换的积分")
            if has_points
            else None,
        )
    ]


# The Word document -------------------------------------------------------------------------------


def _font(run_or_style, east_asian: str, size: float | None = None, bold: bool | None = None, color=None) -> None:
    font = run_or_style.font
    font.name = LATIN_FONT
    if size:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if color is not None:
        font.color.rgb = color
    element = run_or_style.element
    r_pr = element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(r_fonts)
    r_fonts.set(qn("w:eastAsia"), east_asian)


def _document() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4, not the template's Letter
    section.left_margin = section.right_margin = Cm(2.6)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.3)
    _font(doc.styles["Normal"], BODY_FONT, 12)
    doc.styles["Normal"].paragraph_format.line_spacing = 1.4
    _font(doc.styles["Title"], HEADING_FONT, 20, bold=True, color=RGBColor(0, 0, 0))
    for level, size in ((1, 15), (2, 13)):
        _font(doc.styles[f"Heading {level}"], HEADING_FONT, size, bold=True, color=RGBColor(0, 0, 0))
    return doc


def _table(
    doc: Document,
    header: list[str],
    rows: list[list[str]],
    widths: list[float],
    *,
    numbers_from: int = 1,
    colours: list[list] | None = None,
    size: float = 10,
    text_columns: tuple[int, ...] = (),
):
    """A grid table; ``widths`` in cm, columns from ``numbers_from`` on are right-aligned numbers, but
    for ``text_columns``."""
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)  # the grid LibreOffice lays out by; Word reads the cell widths below
    for i, row in enumerate([header, *rows]):
        cells = table.rows[0].cells if i == 0 else table.add_row().cells
        for j, (cell, text) in enumerate(zip(cells, row, strict=True)):
            cell.width = Cm(widths[j])
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.line_spacing = 1.1
            if i == 0:
                _font(paragraph.add_run(text), HEADING_FONT, size, bold=True)
                continue
            _font(paragraph.add_run(text), BODY_FONT, size, color=colours[i - 1][j] if colours else None)
            if j >= numbers_from and j not in text_columns:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return table


def _picture(doc: Document, name: str, fig, images: bool) -> None:
    if fig is None:
        return
    if images:
        # Drawn at 800 px wide so that, printed 15.8 cm wide, the chart text reads like the body text.
        doc.add_picture(io.BytesIO(export.figure_png(fig, width=800, height=450)), width=Cm(15.8))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    else:
        # The title as the chart shows it: plain text again (the builders escape it for plotly).
        doc.add_paragraph(f"［图：{from_plotly(fig.layout.title.text) or name}］")


def metric_rows(data: ReportData, topic: Topic) -> list[list[str]]:
    """The section's table: metric, this month, last month, 环比, same month last year, 同比."""
    rows = []
    for key in topic.keys:
        m = load_catalogue()[key]
        value = format_value(key, data.current.get(m.column), with_unit=m.format != "rate")
        if not topic.periodic:
            rows.append([m.name, value])
            continue
        month_before, year_before = comparisons(data, topic, key)
        prev = format_value(key, data.previous.get(m.column)) if has_records(data.previous, topic) else NO_COMPARISON
        last_year = (
            format_value(key, data.year_before.get(m.column)) if has_records(data.year_before, topic) else NO_COMPARISON
        )
        rows.append([m.name, value, prev, month_before or "—", last_year, year_before or "—"])
    return rows


def ranking_section(doc: Document, data: ReportData) -> None:
    keys = ranking.RANKED_METRICS
    table = ranking.ranking_table(data.communities, keys)
    marks = ranking.marks(table, data.street_row, keys)
    order = table.sort_values(["办结率", "按期办结率"], ascending=False, na_position="last")
    catalogue = load_catalogue()
    formats = {catalogue[k].name: catalogue[k].format for k in keys}
    rows, colours = [], []
    places = order["办结率"].rank(method="min", ascending=False, na_option="bottom").astype(int)
    for index, record in order.iterrows():
        rows.append([str(places[index]), record["社区"], *(format_number(record[c], formats[c]) for c in formats)])
        colour = {ranking.BETTER: GREEN, ranking.WORSE: RED}
        colours.append([None, None, *(colour.get(marks.at[index, c]) for c in formats)])
    whole = data.reference
    doc.add_paragraph(
        f"{data.filters.street}{'各' if whole == '街道整体' else '所辖'}社区按办结率排序；绿色为好于{whole}"
        f"（比率与{whole}比，数量与社区平均比），红色为差于{whole}。"
        + (f"本报告所述为{data.scope}。" if data.community_report else "")
    )
    share = (15.8 - 2.9) / len(formats)
    _table(
        doc,
        ["名次", "社区", *formats],
        rows,
        [0.9, 2.0, *[share] * len(formats)],
        numbers_from=2,
        colours=colours,
        size=8.5,
    )


def assessment_section(doc: Document, data: ReportData) -> None:
    """The month's 考核: the ranking table of the 考核排名 page (rank, score, band, change of rank),
    and for a community's report that community's indicators, the largest loss first."""
    a = data.assessment
    if a is None or not a.current():
        doc.add_paragraph("本月没有可考核的数据。")
        return
    scheme = a.scheme
    doc.add_paragraph(
        f"按《{scheme.title}》计分，满分 {scheme.full_marks:g} 分，{scheme.bands.text()}；"
        "没有数据的指标不计分。较上月为名次的变化。"
    )
    table = a.ranking()
    colours = {"绿": GREEN, "红": RED}
    rows, row_colours = [], []
    for r in table.itertuples(index=False):
        place = "—" if pd.isna(r.名次) else str(int(r.名次))
        score = "—" if pd.isna(r.得分) else f"{r.得分:.1f}"
        rows.append([place, getattr(r, a.noun), score, r.等级, r.较上月, r.无数据指标 or "—"])
        row_colours.append([None, None, colours.get(r.等级), colours.get(r.等级), None, None])
    _table(
        doc,
        ["名次", a.noun, "得分", "等级", "较上月", "无数据指标"],
        rows,
        [1.2, 3.0, 1.8, 1.4, 1.8, 6.6],
        numbers_from=2,
        colours=row_colours,
        size=9,
        text_columns=(5,),
    )
    for community in data.filters.communities:
        parts = a.breakdown(community)
        if parts.empty:
            continue
        group = a.group(community)
        doc.add_paragraph(
            f"{community}本月得分 {group.score:.1f} 分，各项得分（失分多的在前）："
            if group.score is not None
            else f"{community}本月没有可计分的指标："
        )
        _table(
            doc,
            ["指标", "完成值", "计分规则", "得分", "失分"],
            [
                [
                    r.指标,
                    r.完成值,
                    r.计分规则,
                    "—" if pd.isna(r.得分) else f"{r.得分:.1f}",
                    "—" if pd.isna(r.失分) else f"{r.失分:.1f}",
                ]
                for r in parts.itertuples(index=False)
            ],
            [2.6, 2.0, 7.6, 1.8, 1.8],
            numbers_from=1,
            size=8.5,
            text_columns=(2,),
        )


def _chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def build_report(data: ReportData, *, images: bool = True) -> bytes:
    """The monthly report as .docx bytes. ``images=False`` writes a placeholder for each chart
    (no browser), for quick previews and tests of the wording."""
    f = data.filters
    doc = _document()
    doc.add_paragraph(
        f"{data.scope}{f.start.year}年{f.start.month}月工作月报", style="Title"
    ).alignment = WD_ALIGN_PARAGRAPH.CENTER
    period = doc.add_paragraph(
        f"统计期：{_chinese_date(f.start)}至{_chinese_date(f.end)}　　数据截至：{_chinese_date(data.latest)}"
    )
    period.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_heading("总体情况", level=1)
    doc.add_paragraph(summary(data))

    for number, topic in enumerate(TOPICS):
        doc.add_heading(f"{NUMERALS[number]}、{topic.title}", level=1)
        doc.add_paragraph(sentence(data, topic))
        for name, fig in topic_figures(data, topic):
            _picture(doc, name, fig, images)
        if has_records(data.current, topic):
            if topic.periodic:
                header, widths = ["指标", "本月", "上月", "环比", "去年同月", "同比"], [4.2, 2.0, 1.8, 3.0, 1.8, 3.0]
            else:
                header, widths = ["指标", "本月"], [6.0, 3.0]
            _table(doc, header, metric_rows(data, topic), widths)
        if topic.title == "领题攻坚与积分":
            campaign_table(doc, data)

    doc.add_heading(f"{NUMERALS[len(TOPICS)]}、社区排名", level=1)
    ranking_section(doc, data)
    doc.add_heading(f"{NUMERALS[len(TOPICS) + 1]}、考核排名", level=1)
    assessment_section(doc, data)
    doc.add_heading(f"{NUMERALS[len(TOPICS) + 2]}、需要关注的事项", level=1)
    items = attention_items(data.scope_communities, data.campaigns)
    if not items:
        doc.add_paragraph("本月没有需要特别关注的事项。")
    for text, _ in items:
        doc.add_paragraph(text, style="List Bullet")

    doc.add_heading("附：指标口径", level=2)
    for topic in TOPICS:
        for key in topic.keys:
            m = load_catalogue()[key]
            # The catalogue points SQL users at breakdown macros; a printed report leaves that out.
            definition = re.sub(r"；[^；。]*见 [a-z_]+", "", m.definition)
            doc.add_paragraph(f"{m.name}：{definition}").runs[0].font.size = Pt(9)
    doc.add_paragraph(
        f"本报告由街道治理数据驾驶舱于 {data.generated_at:%Y-%m-%d %H:%M} 根据数仓生成，数字口径与驾驶舱一致。"
    )
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def campaign_table(doc: Document, data: ReportData) -> None:
    campaigns = data.campaigns
    if campaigns.empty:
        doc.add_paragraph("本月没有进行中的领题攻坚项目。")
        return
    doc.add_paragraph("本月进行中的领题攻坚项目：")
    rows = []
    for r in campaigns.itertuples(index=False):
        done = "—" if is_missing(r.完成值) else f"{r.完成值:,.1f}".removesuffix(".0")
        rate = "—" if is_missing(r.完成值) or not r.目标值 else f"{r.完成值 / r.目标值:.0%}"
        rows.append([r.社区, r.领题项目, r.指标, f"{r.目标值:,.0f}{r.单位 or ''}", done, rate])
    _table(
        doc,
        ["社区", "领题项目", "指标", "目标值", "完成值", "完成率"],
        rows,
        [2.4, 3.2, 3.6, 2.2, 2.2, 2.2],
        numbers_from=3,
    )


def monthly_report(
    street: str,
    month: str | dt.date,
    community: str | None = None,
    *,
    scope: Scope = Scope.everything(),  # noqa: B008 - a frozen value
    db: str | os.PathLike | None = None,
    images: bool = True,
) -> tuple[bytes, ReportData]:
    """Read the warehouse and write the report: (docx bytes, the figures it says), holding only what
    ``scope`` (the reader's) allows; the command line, run on the server, reads everything."""
    from streetdash.config import warehouse_path

    if not Path(warehouse_path(db)).exists():
        raise ReportError(
            f"尚未建立数仓：{warehouse_path(db)}。请先运行 `python -m etl load 台账目录/` 或 `make run`。"
        )
    with connect_readonly(db) as con:
        f, latest = report_filters(con, street, month, community, scope)
        data = read_report_data(con, f, latest, scope)
    return build_report(data, images=images), data


def default_file_name(data: ReportData, extension: str = "docx") -> str:
    f = data.filters
    return f"{data.scope}_{f.start:%Y年%m月}_工作月报.{extension}"


def write_report_files(
    street: str,
    month: str,
    community: str | None = None,
    *,
    out: Path | None = None,
    pdf: bool = False,
    db: str | os.PathLike | None = None,
) -> int:
    """The command line's ``report``: write the .docx (and with ``pdf`` the PDF beside it), print
    their paths; errors as Chinese sentences on stderr. Returns the exit code (0 written, 1 the
    PDF could not be made, 2 no report)."""
    import sys

    from streetdash.export_office import LIBREOFFICE_MISSING, docx_to_pdf, libreoffice_path

    try:
        raw, data = monthly_report(street, month, community, db=db)
    except (ReportError, export.ExportError) as error:
        print(f"未生成报告：{error}", file=sys.stderr)
        return 2
    finally:
        export.shutdown()
    path = Path(out) if out else Path(default_file_name(data))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    print(path)
    if not pdf:
        return 0
    if libreoffice_path() is None:
        print(LIBREOFFICE_MISSING, file=sys.stderr)
        return 1
    try:
        print(docx_to_pdf(path))
    except export.ExportError as error:
        print(f"未生成 PDF：{error}", file=sys.stderr)
        return 1
    return 0
