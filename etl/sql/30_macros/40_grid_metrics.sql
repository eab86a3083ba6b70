-- Metrics per grid: the catalogue metrics a grid can have (streetdash/metrics.toml marks them
-- `grid = true`): tasks and mediation cases carry a grid (tasks also by their coordinates, see
-- stg_tasks), the grid list gives households and staff. Written with the same staging flags
-- (is_closed, due_on, is_success) and task rules (task_overdue_at) as metrics_grouped, so a grid's figures add
-- up to its community's for the records that name a grid.
-- within_street and selection (communities by name or code; NULL for all) keep the grids of a scope, as
-- streetdash.metrics.scope_clause does, and only their tasks are read: the map of one street then
-- reads its own tasks, not the city's.
CREATE OR REPLACE MACRO grid_metrics_grouped(start_date, end_date, by_month, within_street, selection) AS TABLE
WITH
grids AS (
    SELECT * FROM stg_grids g
    WHERE (within_street IS NULL OR g.street = within_street)
      AND (selection IS NULL
           OR list_contains(selection, g.community) OR list_contains(selection, g.community_id))
),
-- The scope's tasks with the facts the grid figures need, from rollup_tasks (taken from stg_tasks at load,
-- with each task's grid): read through stg_tasks, every task's due day and grid are worked out again on
-- each call (about 0.5 s at a million tasks).
tasks AS (
    SELECT grid_id, published_on, due_on, status, closed_on, is_closed, counts_as_due
    FROM rollup_tasks
    WHERE grid_id IN (SELECT grid_id FROM grids)
),
cases AS (SELECT * FROM stg_mediation_cases WHERE grid_id IN (SELECT grid_id FROM grids)),
periods AS (SELECT * FROM metric_periods(start_date, end_date, by_month)),
groups AS (SELECT g.grid_id, p.month FROM grids g CROSS JOIN periods p),

task_metrics AS (
    SELECT t.grid_id, p.month, count(*) AS published, count(*) FILTER (WHERE t.is_closed) AS closed
    FROM tasks t
    JOIN periods p ON t.published_on BETWEEN p.p_start AND p.p_end
    GROUP BY ALL
),
-- 办结率 over the tasks due in the period, as metrics_grouped counts it.
due_metrics AS (
    SELECT t.grid_id, p.month, count(*) AS due, count(*) FILTER (WHERE t.is_closed AND t.closed_on <= p.p_end) AS due_closed
    FROM tasks t
    JOIN periods p ON t.due_on BETWEEN p.p_start AND p.p_end
    WHERE t.counts_as_due
    GROUP BY ALL
),
overdue_tasks AS (
    SELECT t.grid_id, p.month, count(*) AS overdue_open
    FROM tasks t
    JOIN periods p ON t.published_on <= p.p_end
    WHERE task_overdue_at(t.published_on, t.status, t.closed_on, t.due_on, p.p_end)
    GROUP BY ALL
),
mediation_metrics AS (
    SELECT
        m.grid_id,
        p.month,
        count(*) AS cases,
        count(*) FILTER (WHERE m.is_closed) AS closed,
        count(*) FILTER (WHERE m.is_success) AS successes
    FROM cases m
    JOIN periods p ON m.received_on BETWEEN p.p_start AND p.p_end
    GROUP BY ALL
)

SELECT
    g.grid_id,
    x.month,
    coalesce(t.published, 0) AS tasks_published,
    coalesce(t.closed, 0) AS tasks_closed,
    d.due_closed / nullif(d.due, 0) AS tasks_closure_rate,
    coalesce(o.overdue_open, 0) AS tasks_overdue_open,
    coalesce(m.cases, 0) AS mediation_cases,
    m.successes / nullif(m.closed, 0) AS mediation_success_rate,
    g.households / nullif(g.staff, 0) AS grids_households_per_staff,
    (coalesce(t.published, 0) + coalesce(m.cases, 0)) * 1000.0 / nullif(g.households, 0) AS grids_events_per_1000
FROM groups x
JOIN grids g USING (grid_id)
LEFT JOIN task_metrics t ON t.grid_id = x.grid_id AND t.month IS NOT DISTINCT FROM x.month
LEFT JOIN due_metrics d ON d.grid_id = x.grid_id AND d.month IS NOT DISTINCT FROM x.month
LEFT JOIN overdue_tasks o ON o.grid_id = x.grid_id AND o.month IS NOT DISTINCT FROM x.month
LEFT JOIN mediation_metrics m ON m.grid_id = x.grid_id AND m.month IS NOT DISTINCT FROM x.month;

-- grid_scope_metrics(start_date, end_date, within_street, selection): one row per grid of the scope (a street,
-- communities by name or code; NULL for no limit) with what the grid map and its card show.
CREATE OR REPLACE MACRO grid_scope_metrics(start_date, end_date, within_street, selection) AS TABLE
SELECT
    g.grid_id, g.grid, g.community_id, g.community, g.street, g.households, g.population,
    g.leader_masked, g.full_time_staff, g.part_time_staff, g.staff, g.has_boundary,
    m.* EXCLUDE (grid_id, month)
FROM stg_grids g
JOIN grid_metrics_grouped(start_date, end_date, false, within_street, selection) m USING (grid_id)
ORDER BY g.street, g.community_id, g.grid_id;

-- grid_metrics(start_date, end_date): grid_scope_metrics of every grid.
CREATE OR REPLACE MACRO grid_metrics(start_date, end_date) AS TABLE
SELECT * FROM grid_scope_metrics(start_date, end_date, NULL, NULL) ORDER BY street, community_id, grid_id;

-- grid_scope_monthly(start_date, end_date, within_street, selection): grid_scope_metrics per month, one row
-- per grid x month.
CREATE OR REPLACE MACRO grid_scope_monthly(start_date, end_date, within_street, selection) AS TABLE
SELECT g.grid_id, g.grid, g.community_id, g.community, g.street, m.month, m.* EXCLUDE (grid_id, month)
FROM stg_grids g
JOIN grid_metrics_grouped(start_date, end_date, true, within_street, selection) m USING (grid_id)
ORDER BY g.grid_id, m.month;

-- grid_monthly(start_date, end_date): grid_scope_monthly of every grid.
CREATE OR REPLACE MACRO grid_monthly(start_date, end_date) AS TABLE
SELECT * FROM grid_scope_monthly(start_date, end_date, NULL, NULL) ORDER BY grid_id, month;
