"""Breakdowns the pages show beside the metrics: lists and distributions over the staging views.

Counts that are metrics come from the metric macros (``streetdash.metrics``); these queries only
split records another way (by age, by member type, by level ...) and list them. Every value is a
SQL parameter; the scope clause is built from fixed column names.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from streetdash import metrics
from streetdash.filters import Filters

AGE_BUCKETS = ["0–7天", "8–30天", "31–90天", "90天以上"]


def _scope(filters: Filters) -> tuple[str, dict]:
    where, params = metrics.scope_clause(filters.street, filters.communities, alias="c")
    return where or "true", params


def _df(con: duckdb.DuckDBPyConnection, sql: str, filters: Filters, extra: dict | None = None) -> pd.DataFrame:
    scope, params = _scope(filters)
    sql = sql.replace("{scope}", scope)
    params = {"start": filters.start, "end": filters.end, **params, **(extra or {})}
    # DuckDB refuses parameters a statement does not use.
    return con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql}).df()


def scope_options(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Street -> its communities, for the filters; the street with most communities first (the default)."""
    rows = con.execute(
        "SELECT street, community FROM dim_communities"
        " ORDER BY count(*) OVER (PARTITION BY street) DESC, street, community_id"
    ).fetchall()
    out: dict[str, list[str]] = {}
    for street, community in rows:
        out.setdefault(street, []).append(community)
    return out


def latest_data_day(con: duckdb.DuckDBPyConnection) -> dt.date:
    """The last day any ledger has a record on ("数据截至": the 'as of' of the presets; the metric
    macros end a period that runs past it there). The warehouse's ``data_as_of``, computed at load."""
    day = con.execute("SELECT max(as_of) FROM data_as_of").fetchall()[0][0]
    return day or dt.date.today()


def backlog_ageing(con, filters: Filters) -> pd.DataFrame:
    """Open tasks at the end of the period by how long they have been open."""
    return (
        _df(
            con,
            """
        SELECT CASE WHEN age <= 7 THEN '0–7天' WHEN age <= 30 THEN '8–30天' WHEN age <= 90 THEN '31–90天'
                    ELSE '90天以上' END AS 积压时长, count(*) AS 任务数
        FROM (SELECT date_diff('day', t.published_on, $end) AS age
              FROM rollup_tasks t JOIN dim_communities c USING (community_id)
              WHERE {scope} AND task_open_at(t.published_on, t.status, t.closed_on, $end))
        GROUP BY ALL""",
            filters,
        )
        .set_index("积压时长")
        .reindex(AGE_BUCKETS, fill_value=0)
        .reset_index()
    )


def overdue_tasks(con, filters: Filters, limit: int = 500) -> pd.DataFrame:
    """Tasks open at the end of the period whose due date has passed, oldest due date first (the due
    date is the deadline, or the street's default 办理时限 after publication: 应办结日)."""
    return _df(
        con,
        """
        SELECT c.community AS 社区, t.task_id AS 任务编号, t.category AS 类别, t.status AS 状态,
               t.published_on AS 发布日期, t.due_on AS 应办结日,
               CASE WHEN t.due_by_default THEN '未填，按默认办理时限' ELSE '台账填写' END AS 办理时限,
               date_diff('day', t.due_on, $end) AS 超期天数
        FROM rollup_tasks t JOIN dim_communities c USING (community_id)
        WHERE {scope} AND task_overdue_at(t.published_on, t.status, t.closed_on, t.due_on, $end)
        ORDER BY t.due_on, c.community LIMIT $limit""",
        filters,
        {"limit": limit},
    )


def tasks_by_category(con, filters: Filters) -> pd.DataFrame:
    """Per category: tasks published in the period (and the median days they took), tasks due in it
    and the 办结率 over those, counted as the metric macros count them (metrics_grouped.due_metrics)."""
    return _df(
        con,
        """
        WITH period AS (SELECT CAST($start AS DATE) AS p_start,
                               least(CAST($end AS DATE), (SELECT max(as_of) FROM data_as_of)) AS p_end),
        tasks AS (SELECT t.* FROM rollup_tasks t JOIN dim_communities c USING (community_id) WHERE {scope}),
        published AS (
            SELECT category, count(*) AS published, median(days_to_close) AS median_days
            FROM tasks, period WHERE published_on BETWEEN p_start AND p_end GROUP BY ALL),
        due AS (
            SELECT category, count(*) AS due, count(*) FILTER (WHERE is_closed AND closed_on <= p_end) AS due_closed
            FROM tasks, period WHERE counts_as_due AND due_on BETWEEN p_start AND p_end GROUP BY ALL)
        SELECT category AS 类别, coalesce(p.published, 0) AS 发布, coalesce(d.due, 0) AS 应办结,
               coalesce(d.due_closed, 0) AS 应办已办结, d.due_closed / nullif(d.due, 0) AS 办结率,
               p.median_days AS 办结时长中位数
        FROM published p FULL JOIN due d USING (category)
        ORDER BY 发布 DESC, 应办结 DESC, 类别""",
        filters,
    )


def task_funnel(con, filters: Filters) -> pd.DataFrame:
    """Tasks published in the period: all, claimed by someone (not 待接单), closed."""
    return _df(
        con,
        """
        SELECT count(*) AS 发布, count(*) FILTER (WHERE t.status <> '待接单') AS 接单,
               count(*) FILTER (WHERE t.is_closed) AS 办结
        FROM rollup_tasks t JOIN dim_communities c USING (community_id)
        WHERE {scope} AND t.published_on BETWEEN $start AND $end""",
        filters,
    )


def claims_by_member_type(con, filters: Filters) -> pd.DataFrame:
    return _df(
        con,
        """
        SELECT coalesce(k.member_type, '未填') AS 人员类型, count(*) AS 接单次数, count(DISTINCT k.person_key) AS 人数
        FROM stg_task_claims k JOIN dim_communities c USING (community_id)
        WHERE {scope} AND k.claimed_on BETWEEN $start AND $end GROUP BY ALL ORDER BY 接单次数 DESC""",
        filters,
    )


def mediation_by_type(con, filters: Filters) -> pd.DataFrame:
    return _df(
        con,
        """
        SELECT m.dispute_type AS 纠纷类型, count(*) AS 受理数, count(*) FILTER (WHERE m.is_success) AS 调解成功
        FROM stg_mediation_cases m JOIN dim_communities c USING (community_id)
        WHERE {scope} AND m.received_on BETWEEN $start AND $end GROUP BY ALL ORDER BY 受理数 DESC""",
        filters,
    )


def mediation_by_level(con, filters: Filters) -> pd.DataFrame:
    """Where settled cases were resolved: 网格 / 社区 / 街道 / 移交."""
    return _df(
        con,
        """
        SELECT CASE WHEN m.is_escalated THEN '移交上级' WHEN m.outcome = '调解不成' THEN '调解不成'
                    ELSE m.level END AS 化解层级, count(*) AS 案件数
        FROM stg_mediation_cases m JOIN dim_communities c USING (community_id)
        WHERE {scope} AND m.received_on BETWEEN $start AND $end AND m.is_settled GROUP BY ALL""",
        filters,
    )


def mediation_by_group(con, filters: Filters) -> pd.DataFrame:
    return _df(
        con,
        """
        SELECT c.community AS 社区, coalesce(m.mediator, '未填') AS 调解组织, count(*) AS 受理数,
               count(*) FILTER (WHERE m.is_success) / nullif(count(*) FILTER (WHERE m.is_closed), 0) AS 调解成功率,
               median(m.days_to_close) AS 化解时长中位数
        FROM stg_mediation_cases m JOIN dim_communities c USING (community_id)
        WHERE {scope} AND m.received_on BETWEEN $start AND $end GROUP BY ALL ORDER BY 社区, 受理数 DESC""",
        filters,
    )


def seeker_funnel(con, filters: Filters) -> pd.DataFrame:
    """Distinct persons reaching each stage in the period (登记 counts everyone served)."""
    return _df(
        con,
        """
        SELECT count(DISTINCT s.person_key) AS 登记,
               count(DISTINCT s.person_key) FILTER (WHERE s.stage IN ('达成意向', '已录用', '已上岗')) AS 意向,
               count(DISTINCT s.person_key) FILTER (WHERE s.stage IN ('已录用', '已上岗')) AS 录用,
               count(DISTINCT s.person_key) FILTER (WHERE s.stage = '已上岗') AS 上岗
        FROM job_seekers s JOIN dim_communities c USING (community_id)
        WHERE {scope} AND s.date BETWEEN $start AND $end""",
        filters,
    )


def seekers_by_group(con, filters: Filters) -> pd.DataFrame:
    return _df(
        con,
        """
        SELECT coalesce(s."group", '未填') AS 人员类别, count(DISTINCT s.person_key) AS 服务人数,
               count(DISTINCT s.person_key) FILTER (WHERE s.stage = '已上岗') AS 实现就业
        FROM job_seekers s JOIN dim_communities c USING (community_id)
        WHERE {scope} AND s.date BETWEEN $start AND $end GROUP BY ALL ORDER BY 服务人数 DESC""",
        filters,
    )


def postings_by_channel(con, filters: Filters) -> pd.DataFrame:
    return _df(
        con,
        """
        SELECT coalesce(j.channel, '未填') AS 发布渠道, count(*) AS 信息条数, sum(j.vacancies) AS 岗位数
        FROM job_postings j JOIN dim_communities c USING (community_id)
        WHERE {scope} AND j.posted_at BETWEEN $start AND $end GROUP BY ALL ORDER BY 信息条数 DESC""",
        filters,
    )


def events_by_kind(con, filters: Filters) -> pd.DataFrame:
    """events.count by kind over the scope: the warehouse's own breakdown, summed over communities."""
    frame = metrics.breakdown(
        con, "community_events_by_kind", filters.start, filters.end, filters.street, filters.communities
    )
    return (
        frame.groupby("kind", as_index=False)[["events_count", "participants"]]
        .sum()
        .rename(columns={"kind": "活动类型", "events_count": "场次", "participants": "参与人次"})
        .sort_values("场次", ascending=False)
    )


def trainings_by_course(con, filters: Filters) -> pd.DataFrame:
    """Trainings by course over the scope: the warehouse's own breakdown, summed over communities."""
    frame = metrics.breakdown(
        con, "community_trainings_by_course", filters.start, filters.end, filters.street, filters.communities
    )
    columns = {
        "course": "培训项目",
        "classes": "班次",
        "jobs_trainees": "培训人数",
        "jobs_certified": "取证人数",
        "employed": "就业人数",
    }
    return (
        frame.groupby("course", as_index=False)[list(columns)[1:]]
        .sum()
        .rename(columns=columns)
        .sort_values("培训人数", ascending=False)
    )


def points_reasons(con, filters: Filters) -> pd.DataFrame:
    return _df(
        con,
        """
        SELECT x.reason AS 事由, count(*) AS 笔数, sum(x.points) AS 积分, count(DISTINCT x.person_key) AS 居民数
        FROM points x JOIN dim_communities c USING (community_id)
        WHERE {scope} AND x.date BETWEEN $start AND $end GROUP BY ALL ORDER BY 笔数 DESC""",
        filters,
    )


def campaign_actuals(con, start: dt.date, end: dt.date) -> pd.DataFrame:
    """``community_metrics`` of every community for one campaign period: what the campaign rows of that
    period that name a metric (``metric_key``) read their actual values from. It does not depend on
    the page's period or scope (rows are picked by community afterwards), so the app caches it."""
    return metrics.community_metrics(con, start, end)


def campaigns(con, filters: Filters, actuals=None) -> pd.DataFrame:
    """Campaign rows of the scope overlapping the period, with the actual value: the manual one, or
    the metric named by ``metric_key`` computed for the campaign's own community and period.

    ``actuals(start, end)`` gives :func:`campaign_actuals` of a campaign period (one query per distinct
    period, however many rows share it); a cached one may be passed.
    """
    frame = _df(
        con,
        """
        SELECT c.community AS 社区, c.community_id, x.campaign AS 领题项目, x.metric AS 指标, x.unit AS 单位,
               x.target AS 目标值, x.actual AS 手填完成值, x.metric_key, x.period_start AS 统计起始,
               x.period_end AS 统计截止
        FROM campaigns x JOIN dim_communities c USING (community_id)
        WHERE {scope} AND x.period_start <= $end AND x.period_end >= $start
        ORDER BY c.street, c.community_id, x.campaign, x.metric""",
        filters,
    )
    catalogue = metrics.load_catalogue()
    if actuals is None:

        def actuals(start, end):
            return campaign_actuals(con, start, end)

    by_period: dict[tuple, pd.DataFrame] = {}
    values = []
    for community_id, key, start, end, manual in zip(
        frame["community_id"],
        frame["metric_key"],
        frame["统计起始"],
        frame["统计截止"],
        frame["手填完成值"],
        strict=True,
    ):
        metric = catalogue.get(key) if isinstance(key, str) else None
        if not metric:
            values.append(manual)
            continue
        if (start, end) not in by_period:
            by_period[(start, end)] = actuals(start, end).set_index("community_id")
        table = by_period[(start, end)]
        # The loader only accepts catalogue keys, so the column is one of the macro's.
        value = table.at[community_id, metric.column] if community_id in table.index else None
        value = None if value is None or pd.isna(value) else value
        # A rate's target is written in percent (90 means 90%).
        values.append(value * 100 if value is not None and metric.format == "rate" else value)
    frame["完成值"] = pd.Series(values, index=frame.index, dtype="float64" if values else None)
    # No unit is no text (not NaN, which "{单位 or ''}" would print as "nan").
    frame["单位"] = frame["单位"].fillna("")
    return frame


def campaign_targets(con, street: str | None, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Campaign rows that name a metric (``metric_key``) and overlap ``start``..``end``, of one street
    or all: the targets of the assessment's ``target = "campaign"`` rules. A rate's target is in percent."""
    return con.execute(
        """
        SELECT community_id, community, street, metric_key, target, period_start, period_end
        FROM stg_campaigns
        WHERE metric_key IS NOT NULL AND period_start <= $end AND period_end >= $start
          AND ($street IS NULL OR street = $street)
        ORDER BY street, community_id, metric_key, period_start""",
        {"street": street, "start": start, "end": end},
    ).df()


# Grid map -------------------------------------------------------------------------------------


def grid_figures(con, filters: Filters) -> pd.DataFrame:
    """Grids of the scope with their metrics for the period (the grid_metrics macro)."""
    return _df(
        con,
        """
        SELECT m.*
        FROM grid_metrics($start, $end) m
        JOIN dim_communities c USING (community_id)
        WHERE {scope}
        ORDER BY m.grid_id""",
        filters,
    )


def grid_shapes(con, filters: Filters) -> pd.DataFrame:
    """Display geometry (WKB, two levels of detail) of the scope's grids that have a boundary."""
    return _df(
        con,
        """
        SELECT s.grid_id, s.display_geometry, s.overview_geometry
        FROM grid_shapes s JOIN dim_communities c USING (community_id)
        WHERE {scope} ORDER BY s.grid_id""",
        filters,
    )


def community_outlines(con, filters: Filters) -> pd.DataFrame:
    """Communities of the scope that have a boundary, with their display geometry."""
    return _df(
        con,
        """
        SELECT c.community_id, c.community, s.display_geometry, s.overview_geometry
        FROM community_shapes s JOIN dim_communities c USING (community_id)
        WHERE {scope} ORDER BY c.community_id""",
        filters,
    )


def coverage_gaps(con, filters: Filters) -> pd.DataFrame:
    return _df(
        con,
        """
        SELECT c.community, g.gap_no, g.area_m2, g.geometry
        FROM grid_gaps g JOIN dim_communities c USING (community_id)
        WHERE {scope} ORDER BY c.community_id, g.gap_no""",
        filters,
    )


def grid_overlap_areas(con, filters: Filters) -> pd.DataFrame:
    """Overlaps that count (METRICS.md), where either grid is in the scope."""
    return _df(
        con,
        """
        SELECT DISTINCT o.grid_id_a, a.grid AS grid_a, o.grid_id_b, b.grid AS grid_b, o.area_m2,
               o.share_of_smaller, o.geometry
        FROM grid_overlaps o
        JOIN stg_grids a ON a.grid_id = o.grid_id_a
        JOIN stg_grids b ON b.grid_id = o.grid_id_b
        JOIN dim_communities c ON c.community_id IN (a.community_id, b.community_id)
        WHERE o.counts_as_overlap AND {scope}
        ORDER BY o.grid_id_a, o.grid_id_b""",
        filters,
    )


def grid_check_list(con, filters: Filters) -> pd.DataFrame:
    """The grid checks of the scope (view ``grid_checks``), for the table beside the map."""
    return _df(
        con,
        """
        SELECT c.community AS 社区, coalesce(c.grid, '—') AS 网格, c.grid_id AS 网格编码, c.problem AS 检查项,
               c.detail AS 说明
        FROM grid_checks c
        WHERE {scope}
        ORDER BY c.problem_order, c.community_id, c.grid_id""",
        filters,
    )


def grid_trend(con, filters: Filters, grid_id: str) -> pd.DataFrame:
    """One grid per month over the twelve months ending with the period: tasks and disputes."""
    from streetdash.filters import add_months

    start = min(filters.start, add_months(filters.end.replace(day=1), -11))
    # Only a grid of the filters' scope: a grid code from a link never reaches another community's rows.
    return _df(
        con,
        """
        SELECT month, tasks_published, tasks_closed, tasks_closure_rate, mediation_cases
        FROM grid_monthly($trend_start, $end)
        WHERE grid_id = $grid AND grid_id IN (SELECT c.grid_id FROM stg_grids c WHERE {scope})
        ORDER BY month""",
        filters,
        {"trend_start": start, "grid": grid_id},
    )


def map_layers(con, filters: Filters) -> dict[str, pd.DataFrame]:
    """The grid map's geometry for the scope (grids, community outlines, gaps, overlaps), WKB parsed
    into shapely geometries: the arguments of ``maps.prepare_shapes``."""
    from streetdash.geo import geometries_from_wkb

    frames = {
        "grids": grid_shapes(con, filters),
        "communities": community_outlines(con, filters),
        "gaps": coverage_gaps(con, filters),
        "overlaps": grid_overlap_areas(con, filters),
    }
    for frame in frames.values():
        for column in ("geometry", "display_geometry", "overview_geometry"):
            if column in frame:
                frame[column] = geometries_from_wkb(frame[column])
    return frames
