-- community_volunteers_by_skill(start_date, end_date): volunteers.teams and volunteers.neighbours split by
-- skill, one row per community x kind (志愿服务队, 宝藏邻居) x skill, of those registered by the end of
-- the period, with the teams' members.
CREATE OR REPLACE MACRO community_volunteers_by_skill(start_date, end_date) AS TABLE
WITH
volunteers AS (SELECT * FROM stg_volunteers)

SELECT
    community_id,
    community,
    street,
    volunteer_kind,
    skill,
    count(*) AS volunteers,
    CAST(sum(members) AS BIGINT) AS members
FROM volunteers
WHERE joined_at <= CAST(end_date AS DATE)
GROUP BY ALL
ORDER BY ALL;
