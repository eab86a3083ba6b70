-- community_party_service_by_kind(start_date, end_date): party.registered, party.active and
-- party.service_hours split by member kind (在职党员, 离退休党员, 流动党员), one row per community x kind,
-- with the claims. The same rules as metrics_grouped (10_metrics_grouped.sql): registered by the end of the
-- period and not left before its start; active with a task claim in the period (matched by person_key)
-- or a project they lead that ran in it. A person registered twice under two kinds counts under each.
CREATE OR REPLACE MACRO community_party_service_by_kind(start_date, end_date) AS TABLE
WITH
members AS (SELECT * FROM stg_party_members),
claims AS (SELECT * FROM stg_task_claims),
projects AS (SELECT * FROM stg_projects),
period AS (
    SELECT CAST(start_date AS DATE) AS p_start,
        least(CAST(end_date AS DATE), (SELECT max(as_of) FROM data_as_of)) AS p_end
),
registered AS (
    SELECT DISTINCT m.community_id, m.community, m.street, m.member_kind, m.person_key
    FROM members m, period p
    WHERE m.reported_at <= p.p_end AND (m.left_at IS NULL OR m.left_at >= p.p_start)
),
member_claims AS (
    SELECT k.person_key, count(*) AS claims, sum(k.hours) AS hours
    FROM claims k, period p
    WHERE k.claimed_on BETWEEN p.p_start AND p.p_end
    GROUP BY ALL
),
member_projects AS (
    SELECT DISTINCT j.owner_key AS person_key
    FROM projects j, period p
    WHERE j.owner_key IS NOT NULL AND j.status <> '未启动' AND coalesce(j.started_at, j.planned_end) <= p.p_end
        AND (j.closed_at IS NULL OR j.closed_at >= p.p_start)
)

SELECT
    r.community_id,
    r.community,
    r.street,
    r.member_kind,
    count(*) AS party_registered,
    count(*) FILTER (WHERE c.person_key IS NOT NULL OR j.person_key IS NOT NULL) AS party_active,
    CAST(coalesce(sum(c.claims), 0) AS BIGINT) AS claims,
    CAST(coalesce(sum(c.hours), 0) AS DOUBLE) AS party_service_hours
FROM registered r
LEFT JOIN member_claims c USING (person_key)
LEFT JOIN member_projects j USING (person_key)
GROUP BY ALL
ORDER BY ALL;
