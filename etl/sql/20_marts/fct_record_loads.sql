-- fct_record_loads: how soon records reached the warehouse, per community, kind of ledger and day of
-- the records' own date (ledgers.timeliness): records, and those first loaded within 10 days of it.
-- A record counts from its first load (first_loaded_at, kept when a later ledger updates it); rows
-- loaded before that column existed count from their batch. Computed once per load: the metric
-- macros then sum a small table instead of every ledger.
CREATE OR REPLACE TABLE fct_record_loads AS
WITH
batches AS (SELECT batch_id, min(started_at) AS started_at FROM load_log GROUP BY ALL),
records AS (
    SELECT community_id, 'tasks' AS kind, CAST(published_at AS DATE) AS own_date, first_loaded_at, batch_id
    FROM tasks
    UNION ALL
    SELECT t.community_id, 'task_claims', CAST(k.claimed_at AS DATE), k.first_loaded_at, k.batch_id
    FROM task_claims k JOIN tasks t USING (task_id)
    UNION ALL
    SELECT community_id, 'mediation', CAST(received_at AS DATE), first_loaded_at, batch_id FROM mediation_cases
    UNION ALL
    SELECT community_id, 'job_postings', posted_at, first_loaded_at, batch_id FROM job_postings
    UNION ALL
    SELECT community_id, 'job_seekers', date, first_loaded_at, batch_id FROM job_seekers
    UNION ALL
    SELECT community_id, 'events', date, first_loaded_at, batch_id FROM events
    UNION ALL
    SELECT community_id, 'trainings', start_date, first_loaded_at, batch_id FROM trainings
    UNION ALL
    SELECT community_id, 'points', date, first_loaded_at, batch_id FROM points
)
SELECT
    r.community_id,
    r.kind,
    r.own_date,
    count(*) AS records,
    count(coalesce(r.first_loaded_at, b.started_at)) AS with_load_time,
    count(*) FILTER (WHERE CAST(coalesce(r.first_loaded_at, b.started_at) AS DATE) <= r.own_date + 10) AS timely
FROM records r
LEFT JOIN batches b USING (batch_id)
WHERE r.own_date IS NOT NULL
GROUP BY ALL;
