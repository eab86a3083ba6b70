-- community_mediators(start_date, end_date): the mediation groups (调解组织/调解小组) at work per community:
-- one row per community x mediator with the cases it received in the period. The number of distinct
-- mediators of a community is count(*) over its rows (also the column mediation_mediators of
-- community_metrics). Cases without a mediator are left out.
CREATE OR REPLACE MACRO community_mediators(start_date, end_date) AS TABLE
WITH
cases AS (SELECT * FROM stg_mediation_cases)

SELECT
    community_id,
    community,
    street,
    mediator,
    count(*) AS mediation_cases,
    count(*) FILTER (WHERE is_closed) AS mediation_closed,
    count(*) FILTER (WHERE is_success) AS mediation_successes
FROM cases
WHERE received_on BETWEEN CAST(start_date AS DATE) AND CAST(end_date AS DATE)
  AND mediator IS NOT NULL
GROUP BY ALL
ORDER BY ALL;
