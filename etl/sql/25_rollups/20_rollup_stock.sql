-- rollup_stock: what stands at the end of each day, per community, for every day from the
-- community's first change to the data's latest date (data_as_of), since a period may end on any:
--
-- overdue_open    超期未办结 (task_overdue_at, 05_rules): a task is overdue from the first day that is
--                 after its due day and not before its publication, until the day it is closed; a
--                 task closed without a closing time never counts, as in task_overdue_at.
-- points_to_date  all points dated up to the day (a balance is 100 + a resident's points by then).
-- residents_to_date  residents with a points entry in the community by the day (for a community's mean
--                 balance; a street or selection counts its residents distinct, from rollup_residents).
-- party_orgs     party organisations of the community founded by the day (those without a founding
--                 date count on every day: rollup_communities.party_orgs_undated; a 街道党工委 has no
--                 community, and the macro reads it from stg_party_orgs).
-- units, units_alliance  resident units (and those in the 区域化党建联盟) joined by the day.
-- volunteer_teams, neighbours  volunteer teams and 宝藏邻居 joined by the day.
-- projects_overdue  projects past their planned day (from the day after it) and not closed (销号)
--                 by the day; a project marked closed without a closing day never counts.
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
project_spans AS (
    SELECT
        community_id,
        planned_end + 1 AS overdue_from,
        CASE WHEN is_closed THEN closed_at END AS overdue_until,
        is_closed
    FROM stg_projects
    WHERE planned_end IS NOT NULL AND (NOT is_closed OR closed_at IS NOT NULL)
),
changes AS (
    SELECT community_id, overdue_from AS day, 1 AS overdue
    FROM spans
    WHERE NOT is_closed OR overdue_until > overdue_from
    UNION ALL BY NAME
    SELECT community_id, overdue_until AS day, -1 AS overdue
    FROM spans
    WHERE is_closed AND overdue_until > overdue_from
    UNION ALL BY NAME
    SELECT community_id, date AS day, points
    FROM stg_points
    WHERE date IS NOT NULL
    UNION ALL BY NAME
    SELECT community_id, min(date) AS day, 1 AS residents
    FROM stg_points
    WHERE date IS NOT NULL AND person_key IS NOT NULL
    GROUP BY community_id, person_key
    UNION ALL BY NAME
    SELECT community_id, established_at AS day, 1 AS party_orgs
    FROM stg_party_orgs
    WHERE community_id IS NOT NULL AND established_at IS NOT NULL
    UNION ALL BY NAME
    SELECT community_id, joined_at AS day, 1 AS units, CASE WHEN is_alliance THEN 1 ELSE 0 END AS units_alliance
    FROM stg_units
    WHERE joined_at IS NOT NULL
    UNION ALL BY NAME
    SELECT
        community_id,
        joined_at AS day,
        CASE WHEN is_team THEN 1 ELSE 0 END AS volunteer_teams,
        CASE WHEN is_neighbour THEN 1 ELSE 0 END AS neighbours
    FROM stg_volunteers
    WHERE joined_at IS NOT NULL
    UNION ALL BY NAME
    SELECT community_id, overdue_from AS day, 1 AS projects_overdue
    FROM project_spans
    WHERE NOT is_closed OR overdue_until > overdue_from
    UNION ALL BY NAME
    SELECT community_id, overdue_until AS day, -1 AS projects_overdue
    FROM project_spans
    WHERE is_closed AND overdue_until > overdue_from
),
daily AS (
    SELECT community_id, day, sum(COLUMNS(* EXCLUDE (community_id, day)))
    FROM changes
    WHERE day IS NOT NULL AND community_id IS NOT NULL
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
    CAST(sum(coalesce(c.residents, 0)) OVER running AS BIGINT) AS residents_to_date,
    CAST(sum(coalesce(c.party_orgs, 0)) OVER running AS BIGINT) AS party_orgs,
    CAST(sum(coalesce(c.units, 0)) OVER running AS BIGINT) AS units,
    CAST(sum(coalesce(c.units_alliance, 0)) OVER running AS BIGINT) AS units_alliance,
    CAST(sum(coalesce(c.volunteer_teams, 0)) OVER running AS BIGINT) AS volunteer_teams,
    CAST(sum(coalesce(c.neighbours, 0)) OVER running AS BIGINT) AS neighbours,
    CAST(sum(coalesce(c.projects_overdue, 0)) OVER running AS BIGINT) AS projects_overdue
FROM days d
LEFT JOIN daily c USING (community_id, day)
WINDOW running AS (PARTITION BY d.community_id ORDER BY d.day)
ORDER BY d.day, d.community_id;
