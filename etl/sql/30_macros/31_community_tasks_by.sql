-- community_tasks_by(start_date, end_date): tasks published in the period per community x source x
-- category (source or category may be NULL when the ledger left them empty), with the task metrics
-- that add up. E.g. tasks.published from the mini-program: ... WHERE source = '小程序'.
CREATE OR REPLACE MACRO community_tasks_by(start_date, end_date) AS TABLE
WITH
tasks AS (SELECT * FROM stg_tasks)

SELECT
    community_id,
    community,
    street,
    source,
    category,
    count(*) AS tasks_published,
    count(*) FILTER (WHERE is_closed) AS tasks_closed,
    -- Closed by the end of the due day (the deadline, or the street's default 办理时限).
    count(*) FILTER (WHERE closed_on_time) AS tasks_closed_on_time
FROM tasks
WHERE published_on BETWEEN CAST(start_date AS DATE) AND CAST(end_date AS DATE)
GROUP BY ALL
ORDER BY ALL;
