-- Tasks with the facts every task metric needs, one row per task.
CREATE OR REPLACE VIEW stg_tasks AS
WITH tasks_src AS (SELECT * FROM tasks)
SELECT
    task_id,
    community_id,
    grid_id,
    category,
    source,
    status,
    satisfaction,
    published_at,
    CAST(published_at AS DATE) AS published_on,
    deadline,
    closed_at,
    status = '已办结' AS is_closed,
    -- 已关闭 is a task withdrawn, not done: it is neither open nor closed.
    status NOT IN ('已办结', '已关闭') AS is_open,
    CASE WHEN status = '已办结' THEN date_diff('second', published_at, closed_at) / 86400.0 END AS days_to_close,
    -- On time: closed by the end of the deadline day.
    CASE WHEN status = '已办结' AND deadline IS NOT NULL
         THEN closed_at < CAST(deadline AS TIMESTAMP) + INTERVAL 1 DAY END AS closed_on_time,
    satisfaction IN ('满意', '基本满意') AS is_satisfied
FROM tasks_src;
