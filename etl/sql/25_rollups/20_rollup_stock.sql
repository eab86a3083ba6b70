-- rollup_stock: what stands at the end of each day, per community, for every day from the
-- community's first change to the data's latest date (data_as_of), since a period may end on any:
--
-- overdue_open    超期未办结 (task_overdue_at, 05_rules): a task is overdue from the first day that is
--                 after its due day and not before its publication, until the day it is closed; a
--                 task closed without a closing time never counts, as in task_overdue_at.
-- points_to_date  all points dated up to the day (a balance is 100 + a resident's points by then).
-- residents_to_date  residents with a points entry in the community by the day (for a community's mean
--                 balance; a street or selection counts its residents distinct, from rollup_residents).
--
-- Each record adds its change on the day it happens; the running sum is the stock.
CREATE OR REPLACE TABLE rollup_stock AS
WITH
spans AS (
    SELECT
        community_id,
        greatest(published_on, due_on + 1) AS overdue_from,
        CASE WHEN is_closed THEN closed_on END AS overdue_until,
        is_closed
    FROM rollup_tasks
    WHERE status <> '已关闭' AND published_on IS NOT NULL AND due_on IS NOT NULL
        AND (NOT is_closed OR closed_on IS NOT NULL)
),
changes AS (
    SELECT community_id, overdue_from AS day, 1 AS overdue, 0 AS points, 0 AS residents
    FROM spans
    WHERE NOT is_closed OR overdue_until > overdue_from
    UNION ALL
    SELECT community_id, overdue_until, -1, 0, 0
    FROM spans
    WHERE is_closed AND overdue_until > overdue_from
    UNION ALL
    SELECT community_id, date, 0, points, 0
    FROM stg_points
    WHERE date IS NOT NULL
    UNION ALL
    SELECT community_id, min(date), 0, 0, 1
    FROM stg_points
    WHERE date IS NOT NULL AND person_key IS NOT NULL
    GROUP BY community_id, person_key
),
daily AS (
    SELECT community_id, day, sum(overdue) AS overdue, sum(points) AS points, sum(residents) AS residents
    FROM changes
    GROUP BY ALL
),
days AS (
    SELECT community_id, CAST(unnest(generate_series(
        CAST(min(day) AS TIMESTAMP), CAST((SELECT max(as_of) FROM data_as_of) AS TIMESTAMP), INTERVAL 1 DAY
    )) AS DATE) AS day
    FROM daily
    GROUP BY community_id
)

SELECT
    d.community_id,
    d.day,
    CAST(sum(coalesce(c.overdue, 0)) OVER running AS BIGINT) AS overdue_open,
    CAST(sum(coalesce(c.points, 0)) OVER running AS BIGINT) AS points_to_date,
    CAST(sum(coalesce(c.residents, 0)) OVER running AS BIGINT) AS residents_to_date
FROM days d
LEFT JOIN daily c USING (community_id, day)
WINDOW running AS (PARTITION BY d.community_id ORDER BY d.day)
ORDER BY d.day, d.community_id;
