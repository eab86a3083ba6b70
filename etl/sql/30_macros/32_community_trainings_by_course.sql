-- community_trainings_by_course(start_date, end_date): trainings starting in the period per community x
-- course. E.g. jobs.trainees for 家政服务: ... WHERE course = '家政服务'.
CREATE OR REPLACE MACRO community_trainings_by_course(start_date, end_date) AS TABLE
WITH
trainings AS (SELECT * FROM stg_trainings)

SELECT
    community_id,
    community,
    street,
    course,
    count(*) AS classes,
    CAST(coalesce(sum(trainees), 0) AS BIGINT) AS jobs_trainees,
    CAST(coalesce(sum(certified), 0) AS BIGINT) AS jobs_certified,
    CAST(coalesce(sum(employed), 0) AS BIGINT) AS employed
FROM trainings t
-- Qualified: the column start_date and the macro parameter start_date share a name.
WHERE t.start_date BETWEEN CAST(start_date AS DATE) AND CAST(end_date AS DATE)
GROUP BY ALL
ORDER BY ALL;
