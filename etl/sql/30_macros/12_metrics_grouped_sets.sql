-- metrics_grouped_sets: what metrics_grouped computes (same metrics, same figures, read from the same
-- rollups), for several results a page shows together, in one query: planning the metric query costs
-- more than running it on a street's rollups, so one query instead of three is most of a filter change.
--   prev_start/prev_end (or NULL): the period before as a second set of rows (previous = true); it must
--     end before start_date, and by_month must be false with it;
--   within_street (or NULL): one street's communities (not a selection's: a selection is its own scope,
--     as in selection_metrics);
--   with_communities: beside a street or selection group, each of its communities as a group of its own
--     (is_group = false), figured as community grouping does: for the current period only, and for
--     the period before too when communities_in_previous (what a load stores, etl/stored_periods.py).
-- Rows: group_key, month, is_group (a street or selection group), previous, then the metric columns of
-- metrics_grouped in its order. A community's key never meets a group's in a join (is_group is a key too).
--
-- Beside metrics_grouped, not its replacement: written this way (two levels in the scope, periods named
-- by key) the public macros lost the pushdown of their callers' street filter into the scan and took
-- about twice as long at city scale (bench-large, 1,000,000 tasks), so they keep their own sums. The
-- formulas are the same file (metric_columns.sqlpart); tests/metrics/test_scope_figures.py holds the
-- results equal, frame for frame.
CREATE OR REPLACE MACRO metrics_grouped_sets(
    start_date, end_date, prev_start, prev_end, by_street, by_month, selection, within_street, with_communities,
    communities_in_previous
) AS TABLE
WITH
chosen AS (
    SELECT *
    FROM rollup_communities
    WHERE (selection IS NULL OR list_contains(selection, community) OR list_contains(selection, community_id))
),
scope AS (
    SELECT
        *,
        CASE WHEN selection IS NOT NULL THEN '所选社区' WHEN by_street THEN street ELSE community_id END
            AS group_key,
        (by_street OR selection IS NOT NULL) AS is_group
    FROM chosen
    WHERE within_street IS NULL OR selection IS NOT NULL OR street = within_street
    UNION ALL
    SELECT *, community_id AS group_key, false AS is_group
    FROM chosen
    WHERE with_communities AND (by_street OR selection IS NOT NULL)
        AND (within_street IS NULL OR street = within_street)
),
-- period_key names a period and lets a day find it by equality (a hash join) instead of a range join
-- over every period: the month of the day, or the start of the range (or of the period before) it
-- falls in; the range check stays as well.
periods AS (
    SELECT *, false AS previous, coalesce(month, p_start) AS period_key
    FROM metric_periods(start_date, end_date, by_month)
    UNION ALL
    SELECT *, true AS previous, p_start AS period_key
    FROM metric_periods(prev_start, prev_end, false)
    WHERE prev_start IS NOT NULL AND NOT by_month
),
groups AS (
    SELECT DISTINCT s.group_key, s.is_group, p.month, p.previous, p.period_key
    FROM scope s CROSS JOIN periods p
    -- A community on its own beside its group: the current period only, unless asked for both.
    WHERE s.is_group OR NOT p.previous OR NOT (by_street OR selection IS NOT NULL) OR communities_in_previous
),

-- The additive parts, summed over the days of each period.
daily AS (
    SELECT s.group_key, s.is_group, p.period_key, sum(COLUMNS(r.* EXCLUDE (community_id, day)))
    FROM rollup_daily r
    JOIN scope s USING (community_id)
    JOIN periods p
        ON p.period_key = CASE WHEN by_month THEN CAST(date_trunc('month', r.day) AS DATE)
            WHEN prev_start IS NULL OR r.day >= CAST(start_date AS DATE) THEN CAST(start_date AS DATE)
            ELSE CAST(prev_start AS DATE) END
        AND r.day BETWEEN p.p_start AND p.p_end
    WHERE r.day BETWEEN coalesce(least(CAST(prev_start AS DATE), CAST(start_date AS DATE)), CAST(start_date AS DATE)) AND CAST(end_date AS DATE)
    GROUP BY ALL
),
-- What stands at the end of each period (not bounded below by the range's start: a range after the
-- data's latest date ends at that date).
stock AS (
    SELECT
        s.group_key,
        s.is_group,
        p.period_key,
        sum(r.overdue_open) AS overdue_open,
        sum(r.points_to_date) AS points_to_date,
        sum(r.residents_to_date) AS residents_to_date,
        sum(r.party_orgs) AS party_orgs,
        sum(r.units) AS units,
        sum(r.units_alliance) AS units_alliance,
        sum(r.volunteer_teams) AS volunteer_teams,
        sum(r.neighbours) AS neighbours,
        sum(r.projects_overdue) AS projects_overdue
    FROM rollup_stock r
    JOIN scope s USING (community_id)
    JOIN periods p ON r.day = p.p_end
    WHERE r.day <= CAST(end_date AS DATE)
    GROUP BY ALL
),
record_rows AS (
    SELECT s.group_key, s.is_group, p.period_key, p.p_end, r.kind, r.value, r.item, r.flag, r.until, r.n
    FROM rollup_records_all r
    JOIN scope s USING (community_id)
    JOIN periods p
        ON p.period_key = CASE WHEN by_month THEN CAST(date_trunc('month', r.day) AS DATE)
            WHEN prev_start IS NULL OR r.day >= CAST(start_date AS DATE) THEN CAST(start_date AS DATE)
            ELSE CAST(prev_start AS DATE) END
        AND r.day BETWEEN p.p_start AND p.p_end
    WHERE r.day BETWEEN coalesce(least(CAST(prev_start AS DATE), CAST(start_date AS DATE)), CAST(start_date AS DATE)) AND CAST(end_date AS DATE)
),
-- Each person (or mediator) once per group, period and kind, flagged if any of their rows is: one
-- grouping for the distinct counts below, where a count(DISTINCT) FILTER each took twice as long.
record_items AS (
    SELECT group_key, is_group, period_key, kind, item, bool_or(flag) AS flag
    FROM record_rows
    WHERE item IS NOT NULL AND kind IN ('case', 'seeker', 'resident')
    GROUP BY ALL
),
record_item_counts AS (
    SELECT
        group_key, is_group, period_key,
        -- include record_item_counts.sqlpart
    FROM record_items
    GROUP BY ALL
),
records AS (
    SELECT
        x.*,
        -- No 0 for a group without such records here: the final select gives it (metric_columns.sqlpart).
        c.* EXCLUDE (group_key, is_group, period_key)
    FROM (
        SELECT
            group_key, is_group, period_key,
            -- include record_aggregates.sqlpart
        FROM record_rows
        GROUP BY ALL
    ) x
    LEFT JOIN record_item_counts c ON c.group_key = x.group_key AND c.is_group = x.is_group AND c.period_key = x.period_key
),

-- Residents with any points entry by the end of each period (each starts with 100 points: the mean
-- balance is 100 + all their points by then / how many they are).
-- A community's own count is in rollup_stock; only groups of several communities count here.
residents AS (
    -- A selection: each resident once, from their first entry in any of its communities.
    SELECT x.group_key, x.is_group, p.period_key, count(x.person_key) AS residents
    FROM (
        SELECT s.group_key, s.is_group, r.person_key, min(r.day) AS first_day
        FROM rollup_residents r
        JOIN scope s USING (community_id)
        WHERE r.day <= CAST(end_date AS DATE) AND s.is_group AND selection IS NOT NULL
        GROUP BY ALL
    ) x
    JOIN periods p ON x.first_day <= p.p_end
    GROUP BY ALL

    UNION ALL
    -- A street: its residents' first entries in it are rows of rollup_street_residents already.
    SELECT d.group_key, d.is_group, p.period_key, CAST(sum(d.n) AS BIGINT) AS residents
    FROM (
        SELECT s.group_key, s.is_group, r.day, count(*) AS n
        FROM rollup_street_residents r
        JOIN scope s USING (community_id)
        WHERE r.day <= CAST(end_date AS DATE) AND s.is_group AND selection IS NULL
        GROUP BY ALL
    ) d
    JOIN periods p ON d.day <= p.p_end
    GROUP BY ALL
),
-- Grids (the grid list as it is now, the same in every period) ----------------------------------
grid_metrics AS (
    SELECT
        group_key,
        is_group,
        sum(grids) AS grids,
        sum(grid_households) AS grid_households,
        -- Coverage compares like with like: only communities whose household count is known.
        sum(coalesce(grid_households, 0)) FILTER (WHERE households IS NOT NULL) AS covered_households,
        sum(households) AS households,
        sum(oversized_grids) AS oversized,
        sum(grids_without_leader) AS no_leader,
        sum(grid_staff) AS staff,
        sum(grids_with_boundary) AS grids_with_boundary,
        -- Area coverage over the communities that have a boundary (sum ignores those without).
        sum(boundary_area_m2) AS boundary_area,
        sum(covered_area_m2) AS covered_area,
        sum(grids_with_party_group) AS grids_with_party_group,
        sum(party_orgs_undated) AS party_orgs_undated
    FROM scope
    GROUP BY ALL
),
-- A pair counts for each community it touches, and once for a street or selection.
overlap_metrics AS (
    SELECT s.group_key, s.is_group, count(DISTINCT o.pair) AS overlaps
    FROM rollup_grid_pairs o
    JOIN scope s USING (community_id)
    GROUP BY ALL
),
-- Party building (党建引领) ----------------------------------------------------------------------
-- Distinct members, as metrics_grouped_records: registered in the period (reported by its end, not
-- left before its start), active if they claimed a task in it or lead a project that ran in it.
registered_members AS (
    SELECT DISTINCT s.group_key, s.is_group, p.period_key, p.p_start, p.p_end, r.person_key
    FROM rollup_party r
    JOIN scope s USING (community_id)
    JOIN periods p ON r.day <= p.p_end AND (r.until IS NULL OR r.until >= p.p_start)
    WHERE r.kind = 'member' AND r.day <= CAST(end_date AS DATE)
),
member_claims AS (
    SELECT m.group_key, m.is_group, m.period_key, m.person_key, sum(k.n) AS claims, sum(k.hours) AS hours
    FROM registered_members m
    JOIN rollup_party k ON k.person_key = m.person_key AND k.day BETWEEN m.p_start AND m.p_end
    WHERE k.kind = 'claim' AND k.day BETWEEN coalesce(least(CAST(prev_start AS DATE), CAST(start_date AS DATE)), CAST(start_date AS DATE)) AND CAST(end_date AS DATE)
    GROUP BY ALL
),
member_projects AS (
    SELECT DISTINCT m.group_key, m.is_group, m.period_key, m.person_key
    FROM registered_members m
    JOIN rollup_party j ON j.person_key = m.person_key
    WHERE j.kind = 'project' AND j.day <= m.p_end AND (j.until IS NULL OR j.until >= m.p_start)
        AND j.day <= CAST(end_date AS DATE)
),
member_metrics AS (
    SELECT
        m.group_key,
        m.is_group,
        m.period_key,
        count(*) AS registered,
        count(*) FILTER (WHERE c.person_key IS NOT NULL OR j.person_key IS NOT NULL) AS active,
        sum(c.hours) AS service_hours
    FROM registered_members m
    LEFT JOIN member_claims c
        ON c.group_key = m.group_key AND c.is_group = m.is_group AND c.period_key = m.period_key
        AND c.person_key = m.person_key
    LEFT JOIN member_projects j
        ON j.group_key = m.group_key AND j.is_group = m.is_group AND j.period_key = m.period_key
        AND j.person_key = m.person_key
    GROUP BY ALL
),
-- A 街道党工委 (no community) counts for its street; the communities' organisations are in rollup_stock
-- (founded by the period's end) and rollup_communities (no founding date: every period).
street_orgs AS (
    SELECT s.group_key, s.is_group, p.period_key, count(DISTINCT o.org_id) AS orgs
    FROM stg_party_orgs o
    JOIN (SELECT DISTINCT group_key, is_group, street FROM scope WHERE is_group) s ON s.street = o.street
    JOIN periods p ON o.established_at IS NULL OR o.established_at <= p.p_end
    WHERE o.community_id IS NULL AND selection IS NULL AND by_street
    GROUP BY ALL
)

-- Final select: one column per metric key, dots as underscores (as metrics_grouped_records) ------
SELECT
    g.group_key,
    g.month,
    g.is_group,
    g.previous,

    -- include metric_columns.sqlpart
FROM groups g
LEFT JOIN daily d ON d.group_key = g.group_key AND d.is_group = g.is_group AND d.period_key = g.period_key
LEFT JOIN stock k ON k.group_key = g.group_key AND k.is_group = g.is_group AND k.period_key = g.period_key
LEFT JOIN records r ON r.group_key = g.group_key AND r.is_group = g.is_group AND r.period_key = g.period_key
LEFT JOIN residents n ON n.group_key = g.group_key AND n.is_group = g.is_group AND n.period_key = g.period_key
LEFT JOIN grid_metrics gr ON gr.group_key = g.group_key AND gr.is_group = g.is_group
LEFT JOIN overlap_metrics ov ON ov.group_key = g.group_key AND ov.is_group = g.is_group
LEFT JOIN member_metrics pm ON pm.group_key = g.group_key AND pm.is_group = g.is_group AND pm.period_key = g.period_key
LEFT JOIN street_orgs so ON so.group_key = g.group_key AND so.is_group = g.is_group AND so.period_key = g.period_key;
