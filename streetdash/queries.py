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
    """Open tasks at the end of the period by how long they have been open; read from what a load
    stores when the period ends where a stored one does (periods_backlog), counted otherwise."""
    if _backlog_stored(con, filters.end):
        sql = """
        SELECT b.bucket AS 积压时长, CAST(sum(b.tasks) AS BIGINT) AS 任务数
        FROM periods_backlog b JOIN rollup_communities c USING (community_id)
        WHERE b.p_end = $end AND {scope}
        GROUP BY ALL"""
    else:
        sql = """
        SELECT backlog_age_bucket(t.published_on, $end) AS 积压时长, count(*) AS 任务数
        FROM rollup_tasks t JOIN dim_communities c USING (community_id)
        WHERE {scope} AND task_open_at(t.published_on, t.status, t.closed_on, $end)
        GROUP BY ALL"""
    return _df(con, sql, filters).set_index("积压时长").reindex(AGE_BUCKETS, fill_value=0).reset_index()


def _backlog_stored(con, end: dt.date) -> bool:
    try:
        return (
            con.execute("SELECT count(*) FROM periods_coverage WHERE p_end = $end", {"end": end}).fetchall()[0][0] > 0
        )
    except duckdb.CatalogException:  # a warehouse loaded before the table existed
        return False


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
    # The period's end as the macros cut it (at the data's last day), as a value: a bound DuckDB can
    # compare with each row group's range of published_on and due_on (rollup_tasks is sorted by day, a
    # deadline follows its task) and skip the rest, as it cannot with a bound from a subquery.
    p_end = min(filters.end, latest_data_day(con))
    return _df(
        con,
        """
        WITH
        tasks AS (SELECT t.* FROM rollup_tasks t JOIN dim_communities c USING (community_id) WHERE {scope}),
        published AS (
            SELECT category, count(*) AS published, median(days_to_close) AS median_days
            FROM tasks WHERE published_on BETWEEN $start AND $p_end GROUP BY ALL),
        due AS (
            SELECT category, count(*) AS due, count(*) FILTER (WHERE is_closed AND closed_on <= $p_end) AS due_closed
            FROM tasks WHERE counts_as_due AND due_on BETWEEN $start AND $p_end GROUP BY ALL)
        SELECT category AS 类别, coalesce(p.published, 0) AS 发布, coalesce(d.due, 0) AS 应办结,
               coalesce(d.due_closed, 0) AS 应办已办结, d.due_closed / nullif(d.due, 0) AS 办结率,
               p.median_days AS 办结时长中位数
        FROM published p FULL JOIN due d USING (category)
        ORDER BY 发布 DESC, 应办结 DESC, 类别""",
        filters,
        {"p_end": p_end},
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
    """Claims in the period by member type, where the task is (as stg_task_claims places a claim): read
    from rollup_claims, which holds each claim with its task's community, sorted by day (stg_task_claims
    joins every claim to the task ledger first: about 0.2 s at a million tasks)."""
    return _df(
        con,
        """
        SELECT coalesce(k.member_type, '未填') AS 人员类型, count(*) AS 接单次数, count(DISTINCT k.person_key) AS 人数
        FROM rollup_claims k JOIN dim_communities c USING (community_id)
        WHERE {scope} AND k.day BETWEEN $start AND $end
        GROUP BY ALL ORDER BY 接单次数 DESC""",
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
    columns = {"kind": "活动类型", "events_count": "场次", "participants": "参与人次"}
    return _summed_breakdown(con, "community_events_by_kind", filters, columns, "场次")


def _summed_breakdown(con, macro: str, filters: Filters, columns: dict[str, str], sort: str) -> pd.DataFrame:
    """A warehouse breakdown macro over the scope, summed over communities by its first column;
    ``columns`` (the key first, then the counts) renamed to their Chinese names, largest ``sort`` first."""
    frame = metrics.breakdown(con, macro, filters.start, filters.end, filters.street, filters.communities)
    key, *counts = columns
    return frame.groupby(key, as_index=False)[counts].sum().rename(columns=columns).sort_values(sort, ascending=False)


def trainings_by_course(con, filters: Filters) -> pd.DataFrame:
    """Trainings by course over the scope: the warehouse's own breakdown, summed over communities."""
    columns = {
        "course": "培训项目",
        "classes": "班次",
        "jobs_trainees": "培训人数",
        "jobs_certified": "取证人数",
        "employed": "就业人数",
    }
    return _summed_breakdown(con, "community_trainings_by_course", filters, columns, "培训人数")


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
    """Grids of the scope with their metrics for the period (the grid_metrics macro, given the scope so
    that it reads only the tasks of the scope's grids)."""
    return _grid_df(
        con,
        """
        SELECT m.*
        FROM {grid_macro} m
        JOIN dim_communities c USING (community_id)
        WHERE {scope}
        ORDER BY m.grid_id""",
        filters,
    )


def _grid_df(con, sql: str, filters: Filters, extra: dict | None = None, monthly: bool = False) -> pd.DataFrame:
    """``sql`` reading the grid macro at ``{grid_macro}``, given the scope (NULL for no limit)."""
    start = "$trend_start" if monthly else "$start"
    scoped = f"grid_scope_{'monthly' if monthly else 'metrics'}({start}, $end, $scope_street, $scope_communities)"
    scope = {"scope_street": filters.street, "scope_communities": list(filters.communities) or None}
    try:
        return _df(con, sql.replace("{grid_macro}", scoped), filters, {**(extra or {}), **scope})
    except duckdb.CatalogException:
        # A warehouse loaded before the scoped grid macros (the next load adds them): the same rows,
        # the macro reading every grid; the outer condition keeps the scope's.
        every = f"grid_{'monthly' if monthly else 'metrics'}({start}, $end)"
        return _df(con, sql.replace("{grid_macro}", every), filters, extra)


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
    return _grid_df(
        con,
        """
        SELECT month, tasks_published, tasks_closed, tasks_closure_rate, mediation_cases
        FROM {grid_macro}
        WHERE grid_id = $grid AND grid_id IN (SELECT c.grid_id FROM stg_grids c WHERE {scope})
        ORDER BY month""",
        filters,
        {"trend_start": start, "grid": grid_id},
        monthly=True,
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


# Party building (党建引领) -----------------------------------------------------------------------------
# The organisations, members, units, projects and volunteers of the scope. A 街道党工委 has no community:
# it is in the scope of its street (stg_party_orgs gives it the street of the organisations under it),
# never in a selection of communities.


def _org_scope(filters: Filters) -> tuple[str, dict]:
    where, params = metrics.scope_clause(filters.street, filters.communities, alias="o")
    return where or "true", params


def party_org_tree(con, filters: Filters) -> pd.DataFrame:
    """The organisations existing at the end of the period, each with its parent (the tree: 街道党工委 →
    社区党委/党总支 → 党支部/小区党支部/网格党支部 → 楼栋党小组) and how many organisations are under it."""
    scope, params = _org_scope(filters)
    sql = f"""
        WITH orgs AS (
            SELECT * FROM stg_party_orgs o
            WHERE {scope} AND (o.established_at IS NULL OR o.established_at <= $end)
        )
        SELECT o.org_id AS 组织编码, o.name AS 组织名称, o.kind AS 组织类型,
               -- A parent outside the scope (the 街道党工委 of a community's view) is not drawn.
               CASE WHEN o.parent_id IN (SELECT org_id FROM orgs) THEN o.parent_id END AS 上级组织编码,
               coalesce(o.community, o.street) AS 社区, o.grid_id AS 网格编码, o.members AS 党员数,
               (SELECT count(*) FROM orgs k WHERE k.parent_id = o.org_id) AS 下级组织数,
               o.kind || ' · 下级组织 ' || (SELECT count(*) FROM orgs k WHERE k.parent_id = o.org_id) || ' 个'
                   || coalesce(' · 党员 ' || o.members || ' 人', '') AS 说明
        FROM orgs o
        ORDER BY o.street, o.community_id NULLS FIRST, o.org_id"""
    return con.execute(sql, {"end": filters.end, **params}).df()


def party_orgs_by_community(con, filters: Filters) -> pd.DataFrame:
    """party.orgs by kind: one row per community (and the street's 党工委), one column per kind."""
    frame = metrics.breakdown(
        con, "community_party_orgs_by_kind", filters.start, filters.end, filters.street, filters.communities
    )
    if frame.empty:
        return pd.DataFrame(columns=["社区"])
    frame["社区"] = frame["community"].fillna(frame["street"] + "（街道）")
    kinds = [k for k in ORG_KINDS if k in set(frame["kind"])] + sorted(set(frame["kind"]) - set(ORG_KINDS))
    table = frame.pivot_table(index="社区", columns="kind", values="party_orgs", aggfunc="sum", fill_value=0)
    table = table.reindex(columns=kinds).reset_index()
    table.columns.name = None
    table["合计"] = table[kinds].sum(axis=1)
    return table


ORG_KINDS = ["街道党工委", "社区党委", "党总支", "党支部", "小区党支部", "网格党支部", "楼栋党小组", "其他"]


def party_grid_coverage(con, filters: Filters) -> pd.DataFrame:
    """双报到 by grid: the members registered in the period who live in each grid, per hundred households,
    and whether the grid has a party group (网格党小组 in the grid list, or an organisation placed in it)."""
    return _df(
        con,
        """
        WITH registered AS (
            SELECT grid_id, count(DISTINCT person_key) AS members
            FROM stg_party_members
            WHERE reported_at <= $end AND (left_at IS NULL OR left_at >= $start) AND grid_id IS NOT NULL
            GROUP BY ALL
        )
        SELECT c.community AS 社区, g.grid_id AS 网格编码, g.grid AS 网格, g.households AS 户数,
               coalesce(r.members, 0) AS 报到党员,
               coalesce(r.members, 0) * 100.0 / nullif(g.households, 0) AS 每百户报到党员,
               CASE WHEN g.party_group = '是' OR g.grid_id IN (SELECT grid_id FROM stg_party_orgs WHERE grid_id IS NOT NULL)
                    THEN '是' ELSE '否' END AS 网格党小组
        FROM stg_grids g JOIN dim_communities c USING (community_id)
        LEFT JOIN registered r USING (grid_id)
        WHERE {scope}
        ORDER BY c.community_id, g.grid_id""",
        filters,
    )


def party_service_by_kind(con, filters: Filters) -> pd.DataFrame:
    """Members' service by member kind (在职党员, 离退休党员, 流动党员): the warehouse's breakdown, summed."""
    columns = {
        "member_kind": "党员类型",
        "party_registered": "报到党员",
        "party_active": "参与党员",
        "claims": "接单次数",
        "party_service_hours": "服务时长",
    }
    out = _summed_breakdown(con, "community_party_service_by_kind", filters, columns, "报到党员")
    out["参与率"] = out["参与党员"] / out["报到党员"].where(out["报到党员"] > 0)
    return out


def units_by_community(con, filters: Filters) -> pd.DataFrame:
    """Resident units joined by the end of the period per community: units, alliance units, and the
    items of their resource lists against the community's needs lists."""
    return _df(
        con,
        """
        SELECT c.community AS 社区, count(*) AS 共建单位, count(*) FILTER (WHERE u.is_alliance) AS 爱心联盟商家,
               CAST(coalesce(sum(u.resources), 0) AS BIGINT) AS 资源清单,
               CAST(coalesce(sum(u.needs), 0) AS BIGINT) AS 需求清单
        FROM stg_units u JOIN dim_communities c USING (community_id)
        WHERE {scope} AND u.joined_at <= $end
        GROUP BY ALL ORDER BY 共建单位 DESC, 社区""",
        filters,
    )


def units_list(con, filters: Filters) -> pd.DataFrame:
    return _df(
        con,
        """
        SELECT c.community AS 社区, u.unit_id AS 单位编码, u.name AS 单位名称, u.unit_kind AS 单位类型,
               u.alliance AS 爱心联盟, u.resources AS 资源清单, u.needs AS 需求清单, u.joined_at AS 签约日期
        FROM stg_units u JOIN dim_communities c USING (community_id)
        WHERE {scope} AND u.joined_at <= $end
        ORDER BY c.community_id, u.unit_id""",
        filters,
    )


def projects_by_source(con, filters: Filters) -> pd.DataFrame:
    """projects.total, .closed and .overdue by source: the warehouse's breakdown, summed over communities."""
    columns = {
        "source": "项目来源",
        "projects_total": "项目数",
        "projects_closed": "已销号",
        "projects_overdue": "超期未销号",
    }
    out = _summed_breakdown(con, "community_projects_by_source", filters, columns, "项目数")
    out["销号率"] = out["已销号"] / out["项目数"].where(out["项目数"] > 0)
    return out


def project_list(con, filters: Filters) -> pd.DataFrame:
    """The projects planned to close in the period, and those overdue at its end (planned day past, not
    销号 by then), with owners, planned and actual 销号 dates; overdue first, then by planned date."""
    return _df(
        con,
        """
        WITH period AS (SELECT least($end, (SELECT max(as_of) FROM data_as_of)) AS p_end),
        listed AS (
            SELECT j.*, j.planned_end < p.p_end AND NOT coalesce(j.is_closed AND j.closed_at <= p.p_end, false)
                AS is_overdue, p.p_end
            FROM stg_projects j, period p
        )
        SELECT c.community AS 社区, j.project_id AS 项目编号, j.name AS 项目名称, j.source AS 项目来源,
               j.owner_unit AS 责任单位, j.owner_masked AS 责任人, j.started_at AS 启动日期,
               j.planned_end AS 计划销号, j.status AS 进度, j.closed_at AS 销号日期,
               CASE WHEN j.is_overdue THEN '超期' ELSE '' END AS 超期,
               CASE WHEN j.is_overdue THEN date_diff('day', j.planned_end, j.p_end) END AS 超期天数,
               j.budget AS 投入资金
        FROM listed j JOIN dim_communities c USING (community_id)
        WHERE {scope} AND (j.is_overdue OR j.planned_end BETWEEN $start AND $end)
        ORDER BY j.is_overdue DESC, j.planned_end, j.project_id""",
        filters,
    )


def volunteers_by_skill(con, filters: Filters) -> pd.DataFrame:
    """Volunteer teams and 宝藏邻居 by skill: the warehouse's breakdown, summed over communities."""
    frame = metrics.breakdown(
        con, "community_volunteers_by_skill", filters.start, filters.end, filters.street, filters.communities
    )
    if frame.empty:
        return pd.DataFrame(columns=["特长类别", "志愿服务队", "宝藏邻居"])
    table = frame.pivot_table(index="skill", columns="volunteer_kind", values="volunteers", aggfunc="sum", fill_value=0)
    table = (
        table.reindex(columns=["志愿服务队", "宝藏邻居"], fill_value=0)
        .reset_index()
        .rename(columns={"skill": "特长类别"})
    )
    table.columns.name = None
    return table.sort_values("宝藏邻居", ascending=False)


def volunteer_teams(con, filters: Filters) -> pd.DataFrame:
    return _df(
        con,
        """
        SELECT c.community AS 社区, v.name AS 队伍名称, v.person_masked AS 负责人, v.skill AS 服务类别,
               v.members AS 队员人数, v.joined_at AS 登记日期
        FROM stg_volunteers v JOIN dim_communities c USING (community_id)
        WHERE {scope} AND v.is_team AND v.joined_at <= $end
        ORDER BY c.community_id, v.volunteer_id""",
        filters,
    )
