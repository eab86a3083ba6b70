-- Tasks (任务台账) with their community and the facts every task metric needs, one row per task.
CREATE OR REPLACE VIEW stg_tasks AS
WITH
tasks_src AS (SELECT * FROM tasks),
communities_src AS (SELECT community_id, name AS community, street FROM communities),
settings AS (SELECT * FROM stg_street_settings),

tasks_dated AS (
    SELECT
        t.*,
        c.community,
        c.street,
        s.response_hours,
        -- Due (应办结): the deadline, or the street's default 办理时限 after publication when the
        -- ledger left it blank (GB/T 30428 and the 12345 hotline judge a case by its due date).
        coalesce(t.deadline, CAST(t.published_at AS DATE) + coalesce(s.due_days, 7)) AS due_on,
        -- The first claim: a scalar subquery, like the grid below, so only readers of it (and of
        -- responded_in_time) look at the claims.
        (SELECT min(k.claimed_at) FROM task_claims k WHERE k.task_id = t.task_id) AS first_claimed_at
    FROM tasks_src t
    LEFT JOIN communities_src c USING (community_id)
    LEFT JOIN settings s ON s.street = c.street
)

SELECT
    t.task_id,
    t.community_id,
    t.community,
    t.street,
    -- A task with coordinates but no grid gets the grid it lies in (etl/grid_checks.py). Scalar
    -- subqueries, not a join: a reader that does not ask for the grid (every metric macro) then pays
    -- nothing for it, where a join costs every read of this view (0.1 s a macro at 1M tasks).
    coalesce(t.grid_id, (SELECT m.grid_id FROM task_grid_matches m WHERE m.task_id = t.task_id)) AS grid_id,
    CASE WHEN t.grid_id IS NOT NULL THEN '台账'
        WHEN EXISTS (SELECT 1 FROM task_grid_matches m WHERE m.task_id = t.task_id) THEN '坐标匹配' END
        AS grid_source,
    t.category,
    t.title,
    t.source,
    t.status,
    t.satisfaction,
    t.published_at,
    CAST(t.published_at AS DATE) AS published_on,
    t.deadline,
    t.due_on,
    t.deadline IS NULL AS due_by_default,
    t.closed_at,
    CAST(t.closed_at AS DATE) AS closed_on,
    t.lon,
    t.lat,
    t.status = '已办结' AS is_closed,
    -- 已关闭 is a task withdrawn, not done: it is neither open nor closed, nor ever due.
    t.status NOT IN ('已办结', '已关闭') AS is_open,
    t.status <> '已关闭' AS counts_as_due,
    CASE WHEN t.status = '已办结' THEN date_diff('second', t.published_at, t.closed_at) / 86400.0 END
        AS days_to_close,
    -- On time: closed by the end of the due day (false for a task not closed).
    t.status = '已办结' AND t.closed_at < CAST(t.due_on AS TIMESTAMP) + INTERVAL 1 DAY AS closed_on_time,
    t.satisfaction IN ('满意', '基本满意') AS is_satisfied,
    t.first_claimed_at,
    -- 及时响应: the first claim came within the street's response limit of publication.
    coalesce(
        t.first_claimed_at <= t.published_at + to_microseconds(CAST(t.response_hours * 3600e6 AS BIGINT)), false
    ) AS responded_in_time,
    t.source_file,
    t.source_sheet,
    t.source_row
FROM tasks_dated t;
