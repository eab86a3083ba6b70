-- The task columns the rollups below read, taken from stg_tasks once (the view works out each task's
-- first claim and due day; reading it five times costs seconds at a million tasks). A TEMP table of
-- the loading connection: gone when the load closes it, never in the published warehouse.
CREATE OR REPLACE TEMP TABLE rollup_task_facts AS
SELECT
    community_id, status, published_on, due_on, closed_on, is_closed, counts_as_due, closed_on_time,
    responded_in_time, is_satisfied, satisfaction IS NOT NULL AS is_rated, days_to_close
FROM stg_tasks;
