-- community_projects_by_source(start_date, end_date): projects.total, projects.closed and
-- projects.overdue split by source (民生实事, 居民点单 ...), one row per community x source. Total and
-- closed: projects whose planned_end is in the period, closed by its end; overdue: as of the end of the
-- period (or the data's latest date, if earlier), the planned day past and not closed by then.
CREATE OR REPLACE MACRO community_projects_by_source(start_date, end_date) AS TABLE
WITH
projects AS (SELECT * FROM stg_projects),
period AS (
    SELECT CAST(start_date AS DATE) AS p_start,
        least(CAST(end_date AS DATE), (SELECT max(as_of) FROM data_as_of)) AS p_end
),
flagged AS (
    SELECT
        j.*,
        j.planned_end BETWEEN p.p_start AND p.p_end AS is_due,
        coalesce(j.is_closed AND j.closed_at <= p.p_end, false) AS closed_by_end,
        j.planned_end < p.p_end AND NOT coalesce(j.is_closed AND j.closed_at <= p.p_end, false) AS is_overdue
    FROM projects j, period p
)

SELECT
    community_id,
    community,
    street,
    source,
    count(*) FILTER (WHERE is_due) AS projects_total,
    count(*) FILTER (WHERE is_due AND closed_by_end) AS projects_closed,
    count(*) FILTER (WHERE is_overdue) AS projects_overdue,
    sum(budget) FILTER (WHERE is_due) AS budget
FROM flagged
WHERE is_due OR is_overdue
GROUP BY ALL
ORDER BY ALL;
