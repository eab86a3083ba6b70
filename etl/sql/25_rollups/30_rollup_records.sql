-- rollup_records: one narrow row per record (or per person and day) for the parts that do not add
-- up over days, read with the period and the scope pushed down to the scan: sorted by year, then
-- community, then day, so that zone maps skip the other years and, within a year, the communities
-- outside the scope (a street's two years at ten million tasks: 0.24 → 0.15 s for a page's figures;
-- sorted by day alone, every community's rows of the period were read):
--
-- kind       day            value            item         flag        until      n
-- task_late  due_on         -                -            -           closed_on  tasks closed after their due day
-- case       received_on    days to close    mediator     -           -          1   (median, distinct mediators)
-- seeker     date           -                person_key   placed      -          -   (distinct persons)
-- resident   date           -                person_key   redeemed    -          -   (distinct residents)
-- project_late planned_end   -                -            -           closed_at  projects closed after their planned day
CREATE OR REPLACE TABLE rollup_records AS
WITH
parts AS (
    SELECT community_id, due_on AS day, 'task_late' AS kind, closed_on AS until, count(*) AS n
    FROM rollup_tasks
    WHERE counts_as_due AND is_closed AND NOT closed_on_time AND closed_on IS NOT NULL
    GROUP BY ALL

    UNION ALL BY NAME
    SELECT community_id, received_on AS day, 'case' AS kind, days_to_close AS value, mediator AS item, 1 AS n
    FROM stg_mediation_cases
    WHERE days_to_close IS NOT NULL OR mediator IS NOT NULL

    UNION ALL BY NAME
    SELECT community_id, date AS day, 'seeker' AS kind, person_key AS item, bool_or(coalesce(is_placed, false)) AS flag
    FROM stg_job_seekers
    GROUP BY ALL

    UNION ALL BY NAME
    SELECT community_id, date AS day, 'resident' AS kind, person_key AS item,
        bool_or(coalesce(is_redemption, false)) AS flag
    FROM stg_points
    GROUP BY ALL

    UNION ALL BY NAME
    SELECT community_id, planned_end AS day, 'project_late' AS kind, closed_at AS until, count(*) AS n
    FROM stg_projects
    WHERE is_closed AND closed_at > planned_end
    GROUP BY ALL
)

SELECT community_id, day, kind, value, item, flag, until, n
FROM parts
WHERE day IS NOT NULL
ORDER BY date_trunc('year', day), community_id, day;

-- rollup_records_all: what the metric macros read, rollup_records and, as kind task_days, each closed
-- task's days to close (for the median) by its publication day. Those are read from rollup_tasks,
-- itself sorted by that day, instead of being copied here: a row per closed task is most of this
-- table's rows, and writing them again cost every load a fifth of a second per million tasks.
CREATE OR REPLACE VIEW rollup_records_all AS
SELECT community_id, day, kind, value, item, flag, until, n
FROM rollup_records
UNION ALL
SELECT
    community_id,
    published_on AS day,
    'task_days' AS kind,
    days_to_close AS value,
    CAST(NULL AS VARCHAR) AS item,
    CAST(NULL AS BOOLEAN) AS flag,
    CAST(NULL AS DATE) AS until,
    CAST(1 AS BIGINT) AS n
FROM rollup_tasks
WHERE days_to_close IS NOT NULL AND published_on IS NOT NULL;

-- rollup_residents: each resident's first points day in each community, for the mean balance over
-- the residents with any entry by a period's end (distinct across the communities of a group).
CREATE OR REPLACE TABLE rollup_residents AS
SELECT community_id, min(date) AS day, person_key
FROM stg_points
WHERE date IS NOT NULL
GROUP BY community_id, person_key
ORDER BY day, community_id;

-- rollup_street_residents: each resident once per street, in the community and on the day of their
-- first points entry in the street (of two communities on one day, the first by code), so that a
-- street's residents by a period's end are a count of rows by day: grouping every entry by person
-- for it took most of a street's metrics at ten million tasks. Made by a macro so that the SQL
-- workspace's scoped copy remakes it from the rows it holds (streetdash/scoped.py): in a copy, a
-- street is its communities in the scope, and which entry came first depends on those alone.
CREATE OR REPLACE MACRO rollup_street_residents_rows() AS TABLE
SELECT community_id, day
FROM (
    SELECT
        r.community_id,
        r.day,
        row_number() OVER (PARTITION BY c.street, r.person_key ORDER BY r.day, r.community_id) AS k
    FROM rollup_residents r
    JOIN rollup_communities c USING (community_id)
    WHERE r.person_key IS NOT NULL
)
WHERE k = 1
ORDER BY day, community_id;

CREATE OR REPLACE TABLE rollup_street_residents AS SELECT * FROM rollup_street_residents_rows();

-- rollup_party: the party members and what they did, for the distinct members registered and active
-- in a period (党员报到, matched by person_key to their task claims and the projects they lead):
--
-- kind     day                                 until      person_key   hours / n
-- member   reported_at                         left_at    the member   -            (one row per registration)
-- claim    claimed_on                          -          claimant     hours, claims (claims of members only)
-- project  started_at (or planned_end)         closed_at  owner        -            (projects started, 未启动 aside)
CREATE OR REPLACE TABLE rollup_party AS
WITH
member_keys AS (SELECT DISTINCT person_key FROM stg_party_members WHERE person_key IS NOT NULL),
parts AS (
    SELECT DISTINCT community_id, reported_at AS day, 'member' AS kind, left_at AS until, person_key
    FROM stg_party_members
    WHERE person_key IS NOT NULL

    UNION ALL BY NAME
    SELECT k.community_id, k.day, 'claim' AS kind, k.person_key, sum(k.hours) AS hours, count(*) AS n
    FROM rollup_claims k
    WHERE k.person_key IN (SELECT person_key FROM member_keys)
    GROUP BY ALL

    UNION ALL BY NAME
    SELECT DISTINCT community_id, coalesce(started_at, planned_end) AS day, 'project' AS kind, closed_at AS until,
        owner_key AS person_key
    FROM stg_projects
    WHERE status <> '未启动' AND owner_key IS NOT NULL
)

SELECT community_id, day, kind, person_key, until, hours, n
FROM parts
WHERE day IS NOT NULL
ORDER BY day, community_id;
