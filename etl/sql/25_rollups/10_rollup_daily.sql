-- rollup_daily: the additive parts of the metrics (counts, sums, numerators and denominators) per
-- community and day, one column each, named <ledger>_<part>; each part is dated by its record's own
-- date (METRICS.md: published, due, claimed, received, posted, dated). A period's figure is the sum of
-- its days. A part of one ledger is NULL on the days that have only other ledgers' records.
--
-- A new additive part is one more column in one of the parts below, or one more part (grouped by
-- community and day, added to the keys and joined at the end), and a sum() in metrics_grouped.
--
-- The parts are joined on their keys, not stacked BY NAME and summed again: one hash aggregate of
-- thirty sums over every part's rows costs twice as much (seconds at city scale, a million
-- community-days).
CREATE OR REPLACE TABLE rollup_daily AS
WITH
-- Tasks published (by published_on).
tasks_published AS (
    SELECT
        community_id,
        published_on AS day,
        count(*) AS tasks_published,
        count(*) FILTER (WHERE is_closed) AS tasks_closed,
        count(*) FILTER (WHERE responded_in_time) AS tasks_responded_in_time,
        count(*) FILTER (WHERE is_satisfied) AS tasks_satisfied,
        count(*) FILTER (WHERE is_rated) AS tasks_rated
    FROM rollup_tasks
    GROUP BY ALL
),

-- Tasks due (应办结, by due_on), withdrawn ones aside; closed by the due day. Those closed late
-- count for a period only if closed by its end: rollup_records, kind task_late.
tasks_due AS (
    SELECT
        community_id,
        due_on AS day,
        count(*) AS tasks_due,
        count(*) FILTER (WHERE closed_on_time) AS tasks_due_closed_on_time
    FROM rollup_tasks
    WHERE counts_as_due
    GROUP BY ALL
),

claims AS (
    SELECT community_id, day, count(*) AS tasks_claims
    FROM rollup_claims
    GROUP BY ALL
),

mediation AS (
    SELECT
        community_id,
        received_on AS day,
        count(*) AS mediation_cases,
        count(*) FILTER (WHERE is_closed) AS mediation_closed,
        count(*) FILTER (WHERE is_success) AS mediation_successes,
        count(*) FILTER (WHERE is_settled) AS mediation_settled,
        count(*) FILTER (WHERE resolved_in_grid) AS mediation_resolved_in_grid,
        count(*) FILTER (WHERE resolved_in_community) AS mediation_resolved_in_community,
        count(*) FILTER (WHERE is_escalated) AS mediation_escalated
    FROM stg_mediation_cases
    GROUP BY ALL
),

job_postings AS (
    SELECT community_id, posted_at AS day, count(*) AS jobs_postings, sum(vacancies) AS jobs_vacancies
    FROM stg_job_postings
    GROUP BY ALL
),

job_seekers AS (
    SELECT community_id, date AS day, count(*) FILTER (WHERE is_intent) AS jobs_intents
    FROM stg_job_seekers
    GROUP BY ALL
),

trainings AS (
    SELECT community_id, start_date AS day, sum(trainees) AS jobs_trainees, sum(certified) AS jobs_certified
    FROM stg_trainings
    GROUP BY ALL
),

events AS (
    SELECT community_id, date AS day, count(*) AS events_count
    FROM stg_events
    GROUP BY ALL
),

points AS (
    SELECT
        community_id,
        date AS day,
        sum(points) FILTER (WHERE points > 0) AS points_earned,
        sum(points) FILTER (WHERE is_redemption) AS points_redemption_points
    FROM stg_points
    GROUP BY ALL
),

-- Projects due (by planned_end) and those closed (销号) by their planned day; those closed later
-- count for a period only if closed by its end: rollup_records, kind project_late.
projects AS (
    SELECT
        community_id,
        planned_end AS day,
        count(*) AS projects_due,
        count(*) FILTER (WHERE is_closed AND closed_at <= planned_end) AS projects_closed_by_due
    FROM stg_projects
    GROUP BY ALL
),

-- Records of the day (by their own date) and those first loaded within 10 days of it.
record_loads AS (
    SELECT community_id, own_date AS day, sum(timely) AS ledgers_timely, sum(with_load_time) AS ledgers_with_load_time
    FROM fct_record_loads
    GROUP BY ALL
),

-- Rows read and rejected by the loads of the day (by the day the load ran), for the rows whose
-- community could be told (load_counts, written by every load).
loads_run AS (
    SELECT community_id, CAST(loaded_at AS DATE) AS day, sum(rows_read) AS ledgers_rows_read, sum(rejected) AS ledgers_rejected
    FROM load_counts
    GROUP BY ALL
),

keys AS (
    SELECT community_id, day FROM tasks_published
    UNION
    SELECT community_id, day FROM tasks_due
    UNION
    SELECT community_id, day FROM claims
    UNION
    SELECT community_id, day FROM mediation
    UNION
    SELECT community_id, day FROM job_postings
    UNION
    SELECT community_id, day FROM job_seekers
    UNION
    SELECT community_id, day FROM trainings
    UNION
    SELECT community_id, day FROM events
    UNION
    SELECT community_id, day FROM points
    UNION
    SELECT community_id, day FROM projects
    UNION
    SELECT community_id, day FROM record_loads
    UNION
    SELECT community_id, day FROM loads_run
)

SELECT community_id, day, CAST(COLUMNS(* EXCLUDE (community_id, day)) AS BIGINT)
FROM keys
LEFT JOIN tasks_published USING (community_id, day)
LEFT JOIN tasks_due USING (community_id, day)
LEFT JOIN claims USING (community_id, day)
LEFT JOIN mediation USING (community_id, day)
LEFT JOIN job_postings USING (community_id, day)
LEFT JOIN job_seekers USING (community_id, day)
LEFT JOIN trainings USING (community_id, day)
LEFT JOIN events USING (community_id, day)
LEFT JOIN points USING (community_id, day)
LEFT JOIN projects USING (community_id, day)
LEFT JOIN record_loads USING (community_id, day)
LEFT JOIN loads_run USING (community_id, day)
-- A row without a community counts in no metric (the macros join dim_communities), and a NULL key
-- would match no part.
WHERE day IS NOT NULL AND community_id IS NOT NULL
ORDER BY day, community_id;
