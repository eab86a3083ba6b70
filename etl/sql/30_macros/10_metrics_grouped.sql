-- Every metric of METRICS.md, written once, for a group of communities and optionally per month.
--
-- by_street = false groups by community, true by street; by_month = true adds one row per month;
-- selection (a list of community names, or NULL) makes the chosen communities one group.
-- Street figures are computed from the records (sums of numerators over sums of denominators,
-- medians over records, distinct persons over records), never from the communities' rates.
-- A rate whose denominator is 0 is NULL. The public macros in 20_public.sql wrap this one.
CREATE OR REPLACE MACRO metrics_grouped(start_date, end_date, by_street, by_month, selection) AS TABLE
WITH
communities AS (
    SELECT *, CASE WHEN selection IS NOT NULL THEN '所选社区' WHEN by_street THEN street ELSE community_id END
              AS group_key
    FROM dim_communities
    WHERE selection IS NULL OR list_contains(selection, community)
),
months AS (
    SELECT CAST(unnest(CASE WHEN by_month
        THEN generate_series(date_trunc('month', CAST(start_date AS DATE)), CAST(end_date AS TIMESTAMP), INTERVAL 1 MONTH)
        ELSE [NULL] END) AS DATE) AS month
),
groups AS (
    SELECT DISTINCT group_key, month FROM communities CROSS JOIN months
),
-- A record's period: its month when by_month, else the whole range.
periods AS (
    SELECT month,
           CASE WHEN month IS NULL THEN CAST(start_date AS DATE) ELSE greatest(month, CAST(start_date AS DATE)) END AS p_start,
           CASE WHEN month IS NULL THEN CAST(end_date AS DATE)
                ELSE least(CAST(month + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE), CAST(end_date AS DATE)) END AS p_end
    FROM months
),

task_facts AS (
    SELECT c.group_key, p.month, t.*
    FROM stg_tasks t JOIN communities c USING (community_id)
    JOIN periods p ON t.published_on BETWEEN p.p_start AND p.p_end
),
task_metrics AS (
    SELECT
        group_key, month,
        count(*) AS tasks_published,
        count(*) FILTER (WHERE is_closed) AS tasks_closed,
        count(*) FILTER (WHERE closed_on_time) AS on_time,
        count(*) FILTER (WHERE closed_on_time IS NOT NULL) AS closed_with_deadline,
        median(days_to_close) AS tasks_median_days_to_close,
        count(*) FILTER (WHERE is_satisfied) AS satisfied,
        count(*) FILTER (WHERE satisfaction IS NOT NULL) AS rated
    FROM task_facts GROUP BY ALL
),
-- Overdue as of the end of the period: published by then, not closed by then, deadline passed.
overdue AS (
    SELECT c.group_key, p.month, count(*) AS tasks_overdue_open
    FROM stg_tasks t JOIN communities c USING (community_id)
    JOIN periods p ON t.published_on <= p.p_end
    WHERE t.status <> '已关闭' AND (t.closed_at IS NULL OR CAST(t.closed_at AS DATE) > p.p_end)
      AND t.deadline < p.p_end
    GROUP BY ALL
),
claim_metrics AS (
    SELECT c.group_key, p.month, count(*) AS tasks_claims
    FROM stg_task_claims k JOIN communities c USING (community_id)
    JOIN periods p ON k.claimed_on BETWEEN p.p_start AND p.p_end
    GROUP BY ALL
),

mediation_metrics AS (
    SELECT
        c.group_key, p.month,
        count(*) AS mediation_cases,
        count(*) FILTER (WHERE is_closed) AS mediation_closed,
        count(*) FILTER (WHERE is_success) AS successes,
        count(*) FILTER (WHERE is_settled) AS mediation_settled,
        count(*) FILTER (WHERE resolved_in_grid) AS in_grid,
        count(*) FILTER (WHERE resolved_in_community) AS in_community,
        count(*) FILTER (WHERE is_escalated) AS mediation_escalated,
        median(days_to_close) AS mediation_median_days,
        count(DISTINCT mediator) AS mediators
    FROM stg_mediation_cases m JOIN communities c USING (community_id)
    JOIN periods p ON m.received_on BETWEEN p.p_start AND p.p_end
    GROUP BY ALL
),

posting_metrics AS (
    SELECT c.group_key, p.month, count(*) AS jobs_postings, sum(vacancies) AS jobs_vacancies
    FROM job_postings j JOIN communities c USING (community_id)
    JOIN periods p ON j.posted_at BETWEEN p.p_start AND p.p_end
    GROUP BY ALL
),
seeker_metrics AS (
    SELECT
        c.group_key, p.month,
        count(DISTINCT person_key) AS jobs_registrations,
        count(*) FILTER (WHERE stage = '达成意向') AS jobs_intents,
        count(DISTINCT person_key) FILTER (WHERE stage = '已上岗') AS jobs_placements
    FROM job_seekers s JOIN communities c USING (community_id)
    JOIN periods p ON s.date BETWEEN p.p_start AND p.p_end
    GROUP BY ALL
),
training_metrics AS (
    SELECT c.group_key, p.month, sum(trainees) AS jobs_trainees, sum(certified) AS jobs_certified
    FROM trainings t JOIN communities c USING (community_id)
    JOIN periods p ON t.start_date BETWEEN p.p_start AND p.p_end
    GROUP BY ALL
),
event_metrics AS (
    SELECT c.group_key, p.month, count(*) AS events_count
    FROM events e JOIN communities c USING (community_id)
    JOIN periods p ON e.date BETWEEN p.p_start AND p.p_end
    GROUP BY ALL
),

points_metrics AS (
    SELECT
        c.group_key, p.month,
        count(DISTINCT person_key) AS points_participants,
        sum(points) FILTER (WHERE points > 0) AS points_earned,
        -sum(points) FILTER (WHERE reason = '积分兑换') AS points_redeemed,
        count(DISTINCT person_key) FILTER (WHERE reason = '积分兑换') AS points_redeemers
    FROM points x JOIN communities c USING (community_id)
    JOIN periods p ON x.date BETWEEN p.p_start AND p.p_end
    GROUP BY ALL
),
-- Every resident starts with 100 points; a balance counts everything up to the end of the period.
balances AS (
    SELECT c.group_key, p.month, x.person_key, 100 + sum(x.points) AS balance
    FROM points x JOIN communities c USING (community_id)
    JOIN periods p ON x.date <= p.p_end
    GROUP BY ALL
),
balance_metrics AS (
    SELECT group_key, month, avg(balance) AS points_balance FROM balances GROUP BY ALL
),

grid_metrics AS (
    SELECT
        group_key,
        sum(grids) AS grids_count,
        sum(grid_households) AS grid_households,
        sum(households) AS households,
        sum(oversized_grids) AS grids_oversized,
        sum(grids_without_leader) AS grids_no_leader,
        sum(grid_staff) AS grid_staff
    FROM communities GROUP BY ALL
)

SELECT
    g.group_key,
    g.month,
    coalesce(t.tasks_published, 0) AS tasks_published,
    coalesce(k.tasks_claims, 0) AS tasks_claims,
    coalesce(t.tasks_closed, 0) AS tasks_closed,
    t.tasks_closed / nullif(t.tasks_published, 0) AS tasks_closure_rate,
    t.on_time / nullif(t.closed_with_deadline, 0) AS tasks_on_time_rate,
    t.tasks_median_days_to_close,
    coalesce(o.tasks_overdue_open, 0) AS tasks_overdue_open,
    coalesce(k.tasks_claims, 0) / nullif(t.tasks_published, 0) AS tasks_claims_per_task,
    t.satisfied / nullif(t.rated, 0) AS tasks_satisfaction_rate,

    coalesce(m.mediation_cases, 0) AS mediation_cases,
    coalesce(m.mediation_closed, 0) AS mediation_closed,
    m.successes / nullif(m.mediation_closed, 0) AS mediation_success_rate,
    coalesce(m.mediation_settled, 0) AS mediation_settled,
    m.in_grid / nullif(m.mediation_settled, 0) AS mediation_grid_rate,
    m.in_community / nullif(m.mediation_settled, 0) AS mediation_community_rate,
    coalesce(m.mediation_escalated, 0) AS mediation_escalated,
    m.mediation_median_days,
    coalesce(m.mediators, 0) AS mediation_mediators,

    coalesce(j.jobs_postings, 0) AS jobs_postings,
    coalesce(j.jobs_vacancies, 0) AS jobs_vacancies,
    coalesce(s.jobs_registrations, 0) AS jobs_registrations,
    coalesce(s.jobs_intents, 0) AS jobs_intents,
    coalesce(s.jobs_placements, 0) AS jobs_placements,
    coalesce(tr.jobs_trainees, 0) AS jobs_trainees,
    coalesce(tr.jobs_certified, 0) AS jobs_certified,
    coalesce(e.events_count, 0) AS events_count,

    coalesce(gr.grids_count, 0) AS grids_count,
    gr.grid_households / nullif(gr.households, 0) AS grids_household_coverage,
    CAST(NULL AS DOUBLE) AS grids_area_coverage,  -- needs grid boundaries (the grid-map issue)
    CAST(NULL AS BIGINT) AS grids_overlaps,       -- needs grid boundaries (the grid-map issue)
    coalesce(gr.grids_oversized, 0) AS grids_oversized,
    coalesce(gr.grids_no_leader, 0) AS grids_no_leader,
    gr.grid_households / nullif(gr.grid_staff, 0) AS grids_households_per_staff,
    (coalesce(t.tasks_published, 0) + coalesce(m.mediation_cases, 0)) * 1000.0 / nullif(gr.households, 0)
        AS grids_events_per_1000,

    coalesce(x.points_participants, 0) AS points_participants,
    coalesce(x.points_earned, 0) AS points_earned,
    coalesce(x.points_redeemed, 0) AS points_redeemed,
    coalesce(x.points_redeemers, 0) AS points_redeemers,
    b.points_balance
FROM groups g
LEFT JOIN task_metrics t ON t.group_key = g.group_key AND t.month IS NOT DISTINCT FROM g.month
LEFT JOIN overdue o ON o.group_key = g.group_key AND o.month IS NOT DISTINCT FROM g.month
LEFT JOIN claim_metrics k ON k.group_key = g.group_key AND k.month IS NOT DISTINCT FROM g.month
LEFT JOIN mediation_metrics m ON m.group_key = g.group_key AND m.month IS NOT DISTINCT FROM g.month
LEFT JOIN posting_metrics j ON j.group_key = g.group_key AND j.month IS NOT DISTINCT FROM g.month
LEFT JOIN seeker_metrics s ON s.group_key = g.group_key AND s.month IS NOT DISTINCT FROM g.month
LEFT JOIN training_metrics tr ON tr.group_key = g.group_key AND tr.month IS NOT DISTINCT FROM g.month
LEFT JOIN event_metrics e ON e.group_key = g.group_key AND e.month IS NOT DISTINCT FROM g.month
LEFT JOIN points_metrics x ON x.group_key = g.group_key AND x.month IS NOT DISTINCT FROM g.month
LEFT JOIN balance_metrics b ON b.group_key = g.group_key AND b.month IS NOT DISTINCT FROM g.month
LEFT JOIN grid_metrics gr ON gr.group_key = g.group_key;
