-- One row per task with what its claims add up to: the task list of the pages and the SQL workspace.
CREATE OR REPLACE VIEW fct_tasks AS
WITH
tasks AS (SELECT * FROM stg_tasks),
claims AS (SELECT * FROM stg_task_claims),

claim_totals AS (
    SELECT
        task_id,
        count(*) AS claims,
        count(DISTINCT person_key) AS claimants,
        sum(hours) AS service_hours
    FROM claims
    GROUP BY task_id
)

SELECT
    t.*,
    coalesce(k.claims, 0) AS claims,
    coalesce(k.claimants, 0) AS claimants,
    k.service_hours
FROM tasks t
LEFT JOIN claim_totals k USING (task_id);
