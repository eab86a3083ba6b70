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
-- Every community's days from its first change to data_as_of, as changes of nothing: once summed
-- per community and day, every day of the span has its row.
first_days AS (
    SELECT community_id, min(day) AS first_day
    FROM changes
    WHERE day IS NOT NULL AND community_id IS NOT NULL
    GROUP BY community_id
),
span_days AS (
    SELECT community_id, CAST(unnest(generate_series(
        CAST(first_day AS TIMESTAMP), CAST((SELECT max(as_of) FROM data_as_of) AS TIMESTAMP), INTERVAL 1 DAY
    )) AS DATE) AS day
    FROM first_days
),
daily AS (
    SELECT community_id, day, sum(COLUMNS(* EXCLUDE (community_id, day)))
    FROM (
        SELECT * FROM changes
        WHERE community_id IS NOT NULL AND day <= (SELECT max(as_of) FROM data_as_of)
        UNION ALL BY NAME
        SELECT * FROM span_days
    )
    GROUP BY ALL
),
-- The running sums are taken over all communities at once, in (community, day) order, less what
-- the communities before took: a window partitioned by community costs three times as much
-- (seconds at city scale, where every community has a row for every day of ten years).
running_all AS (
    SELECT
        community_id,
        day,
        sum(coalesce(overdue, 0)) OVER running AS overdue_open,
        sum(coalesce(points, 0)) OVER running AS points_to_date,
        sum(coalesce(residents, 0)) OVER running AS residents_to_date,
        sum(coalesce(party_orgs, 0)) OVER running AS party_orgs,
        sum(coalesce(units, 0)) OVER running AS units,
        sum(coalesce(units_alliance, 0)) OVER running AS units_alliance,
        sum(coalesce(volunteer_teams, 0)) OVER running AS volunteer_teams,
        sum(coalesce(neighbours, 0)) OVER running AS neighbours,
        sum(coalesce(projects_overdue, 0)) OVER running AS projects_overdue
    FROM daily
    WINDOW running AS (ORDER BY community_id, day ROWS UNBOUNDED PRECEDING)
),
before AS (
    SELECT
        community_id,
        coalesce(sum(sum(coalesce(overdue, 0))) OVER prior, 0) AS overdue_open,
        coalesce(sum(sum(coalesce(points, 0))) OVER prior, 0) AS points_to_date,
        coalesce(sum(sum(coalesce(residents, 0))) OVER prior, 0) AS residents_to_date,
        coalesce(sum(sum(coalesce(party_orgs, 0))) OVER prior, 0) AS party_orgs,
        coalesce(sum(sum(coalesce(units, 0))) OVER prior, 0) AS units,
        coalesce(sum(sum(coalesce(units_alliance, 0))) OVER prior, 0) AS units_alliance,
        coalesce(sum(sum(coalesce(volunteer_teams, 0))) OVER prior, 0) AS volunteer_teams,
        coalesce(sum(sum(coalesce(neighbours, 0))) OVER prior, 0) AS neighbours,
        coalesce(sum(sum(coalesce(projects_overdue, 0))) OVER prior, 0) AS projects_overdue
    FROM daily
    GROUP BY community_id
    WINDOW prior AS (ORDER BY community_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
)

SELECT
    c.community_id,
    c.day,
    CAST(c.overdue_open - b.overdue_open AS BIGINT) AS overdue_open,
    CAST(c.points_to_date - b.points_to_date AS BIGINT) AS points_to_date,
    CAST(c.residents_to_date - b.residents_to_date AS BIGINT) AS residents_to_date,
    CAST(c.party_orgs - b.party_orgs AS BIGINT) AS party_orgs,
    CAST(c.units - b.units AS BIGINT) AS units,
    CAST(c.units_alliance - b.units_alliance AS BIGINT) AS units_alliance,
    CAST(c.volunteer_teams - b.volunteer_teams AS BIGINT) AS volunteer_teams,
    CAST(c.neighbours - b.neighbours AS BIGINT) AS neighbours,
    CAST(c.projects_overdue - b.projects_overdue AS BIGINT) AS projects_overdue
FROM running_all c
JOIN before b USING (community_id)
ORDER BY c.day, c.community_id;
