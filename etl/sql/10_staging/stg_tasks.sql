-- Tasks (任务台账) with their community and the facts every task metric needs, one row per task.
CREATE OR REPLACE VIEW stg_tasks AS
WITH
tasks_src AS (SELECT * FROM tasks),
communities_src AS (SELECT community_id, name AS community, street FROM communities)
SELECT
    t.task_id,
    t.community_id,
    c.community,
    c.street,
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
    t.closed_at,
    CAST(t.closed_at AS DATE) AS closed_on,
    t.lon,
    t.lat,
    t.status = '已办结' AS is_closed,
    -- 已关闭 is a task withdrawn, not done: it is neither open nor closed.
    t.status NOT IN ('已办结', '已关闭') AS is_open,
    CASE WHEN t.status = '已办结' THEN date_diff('second', t.published_at, t.closed_at) / 86400.0 END
        AS days_to_close,
    -- On time: closed by the end of the deadline day. NULL when not closed or without a deadline.
    CASE WHEN t.status = '已办结' AND t.deadline IS NOT NULL
        THEN t.closed_at < CAST(t.deadline AS TIMESTAMP) + INTERVAL 1 DAY END AS closed_on_time,
    t.satisfaction IN ('满意', '基本满意') AS is_satisfied,
    t.source_file,
    t.source_sheet,
    t.source_row
FROM tasks_src t
LEFT JOIN communities_src c USING (community_id);
