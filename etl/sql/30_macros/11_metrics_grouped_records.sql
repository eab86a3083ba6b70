-- The record-based definition of every metric (metrics_grouped_records): the same signature and columns
-- as metrics_grouped (10_metrics_grouped.sql), computed straight from the staging views. The dashboard
-- reads metrics_grouped, which reads the rollups (25_rollups) and gives the same figures in a fraction
-- of the time; this one is the reference they are checked against (tests/metrics/test_rollups.py),
-- and a readable statement of each definition for the SQL workspace.
--
-- Every metric of METRICS.md, written once, for a group of communities and optionally per month.
--
-- by_street = false groups by community, true by street; by_month = true adds one row per month
-- (month = its first day; the first and last months are clipped to the range); selection (a list
-- of community names or codes, or NULL) makes the chosen communities one group, '所选社区'.
-- Street and selection figures are computed from the records (sums of numerators over sums of
-- denominators, medians over records, distinct persons over records), never from the communities' rates.
-- Counts are 0 when there is nothing; a rate or median with nothing to divide or rank is NULL.
CREATE OR REPLACE MACRO metrics_grouped_records(start_date, end_date, by_street, by_month, selection) AS TABLE
WITH
-- Import CTEs ---------------------------------------------------------------------------------
scope AS (
    SELECT
        *,
        CASE WHEN selection IS NOT NULL THEN '所选社区' WHEN by_street THEN street ELSE community_id END
            AS group_key
    FROM dim_communities
    WHERE selection IS NULL OR list_contains(selection, community) OR list_contains(selection, community_id)
),
tasks AS (SELECT * FROM stg_tasks),
claims AS (SELECT * FROM stg_task_claims),
cases AS (SELECT * FROM stg_mediation_cases),
postings AS (SELECT * FROM stg_job_postings),
seekers AS (SELECT * FROM stg_job_seekers),
trainings AS (SELECT * FROM stg_trainings),
events AS (SELECT * FROM stg_events),
entries AS (SELECT * FROM stg_points),
grid_list AS (SELECT grid_id, community_id FROM stg_grids),
record_loads AS (SELECT * FROM fct_record_loads),
party_orgs AS (SELECT * FROM stg_party_orgs),
members AS (SELECT * FROM stg_party_members),
units AS (SELECT * FROM stg_units),
projects AS (SELECT * FROM stg_projects),
volunteers AS (SELECT * FROM stg_volunteers),
-- Overlaps past the threshold of METRICS.md (decided once, when the grid checks ran at load time).
overlapping_pairs AS (SELECT grid_id_a, grid_id_b FROM grid_overlaps WHERE counts_as_overlap),

-- Periods: one for the whole range, or one per month (05_metric_periods.sql).
periods AS (SELECT * FROM metric_periods(start_date, end_date, by_month)),
-- Every group x period gets a row, with or without records.
groups AS (
    SELECT DISTINCT s.group_key, p.month FROM scope s CROSS JOIN periods p
),

-- Tasks ----------------------------------------------------------------------------------------
-- Published in the period (by published_on): the flow of new tasks.
task_metrics AS (
    SELECT
        s.group_key,
        p.month,
        count(*) AS published,
        count(*) FILTER (WHERE t.is_closed) AS closed,
        count(*) FILTER (WHERE t.responded_in_time) AS responded_in_time,
        median(t.days_to_close) AS median_days_to_close,
        count(*) FILTER (WHERE t.is_satisfied) AS satisfied,
        count(*) FILTER (WHERE t.satisfaction IS NOT NULL) AS rated
    FROM tasks t
    JOIN scope s USING (community_id)
    JOIN periods p ON t.published_on BETWEEN p.p_start AND p.p_end
    GROUP BY ALL
),
-- Due in the period (应办结, by due_on: the deadline or the street's default 办理时限), whenever
-- published, withdrawn tasks aside: the base of 办结率 and 按期办结率 (GB/T 30428, 12345 考核). Closed
-- counts only if it happened by the end of the period, so a period's figure never changes
-- afterwards except by corrections.
due_metrics AS (
    SELECT
        s.group_key,
        p.month,
        count(*) AS due,
        count(*) FILTER (WHERE t.is_closed AND t.closed_on <= p.p_end) AS due_closed,
        count(*) FILTER (WHERE t.closed_on_time) AS due_closed_on_time
    FROM tasks t
    JOIN scope s USING (community_id)
    JOIN periods p ON t.due_on BETWEEN p.p_start AND p.p_end
    WHERE t.counts_as_due
    GROUP BY ALL
),
-- Overdue as of the end of the period, whenever published: published by then, still open then
-- (open now, or closed only after it), and the due day already past. Withdrawn tasks never count.
overdue_tasks AS (
    SELECT s.group_key, p.month, count(*) AS overdue_open
    FROM tasks t
    JOIN scope s USING (community_id)
    JOIN periods p ON t.published_on <= p.p_end
    WHERE task_overdue_at(t.published_on, t.status, t.closed_on, t.due_on, p.p_end)
    GROUP BY ALL
),
claim_metrics AS (
    SELECT s.group_key, p.month, count(*) AS claims
    FROM claims k
    JOIN scope s USING (community_id)
    JOIN periods p ON k.claimed_on BETWEEN p.p_start AND p.p_end
    GROUP BY ALL
),

-- Mediation ------------------------------------------------------------------------------------
mediation_metrics AS (
    SELECT
        s.group_key,
        p.month,
        count(*) AS cases,
        count(*) FILTER (WHERE m.is_closed) AS closed,
        count(*) FILTER (WHERE m.is_success) AS successes,
        count(*) FILTER (WHERE m.is_settled) AS settled,
        count(*) FILTER (WHERE m.resolved_in_grid) AS resolved_in_grid,
        count(*) FILTER (WHERE m.resolved_in_community) AS resolved_in_community,
        count(*) FILTER (WHERE m.is_escalated) AS escalated,
        median(m.days_to_close) AS median_days,
        count(DISTINCT m.mediator) AS mediators
    FROM cases m
    JOIN scope s USING (community_id)
    JOIN periods p ON m.received_on BETWEEN p.p_start AND p.p_end
    GROUP BY ALL
),

-- Employment and events ------------------------------------------------------------------------
posting_metrics AS (
    SELECT s.group_key, p.month, count(*) AS postings, sum(j.vacancies) AS vacancies
    FROM postings j
    JOIN scope s USING (community_id)
    JOIN periods p ON j.posted_at BETWEEN p.p_start AND p.p_end
    GROUP BY ALL
),
seeker_metrics AS (
    SELECT
        s.group_key,
        p.month,
        count(DISTINCT r.person_key) AS registrations,
        count(*) FILTER (WHERE r.is_intent) AS intents,
        count(DISTINCT r.person_key) FILTER (WHERE r.is_placed) AS placements
    FROM seekers r
    JOIN scope s USING (community_id)
    JOIN periods p ON r.date BETWEEN p.p_start AND p.p_end
    GROUP BY ALL
),
training_metrics AS (
    SELECT s.group_key, p.month, sum(t.trainees) AS trainees, sum(t.certified) AS certified
    FROM trainings t
    JOIN scope s USING (community_id)
    JOIN periods p ON t.start_date BETWEEN p.p_start AND p.p_end
    GROUP BY ALL
),
event_metrics AS (
    SELECT s.group_key, p.month, count(*) AS events
    FROM events e
    JOIN scope s USING (community_id)
    JOIN periods p ON e.date BETWEEN p.p_start AND p.p_end
    GROUP BY ALL
),

-- Points ---------------------------------------------------------------------------------------
points_metrics AS (
    SELECT
        s.group_key,
        p.month,
        count(DISTINCT x.person_key) AS participants,
        sum(x.points) FILTER (WHERE x.points > 0) AS earned,
        -sum(x.points) FILTER (WHERE x.is_redemption) AS redeemed,
        count(DISTINCT x.person_key) FILTER (WHERE x.is_redemption) AS redeemers
    FROM entries x
    JOIN scope s USING (community_id)
    JOIN periods p ON x.date BETWEEN p.p_start AND p.p_end
    GROUP BY ALL
),
-- Every resident starts with 100 points; a balance counts all their points up to the end of the
-- period (balances settle at month end). The metric is the mean over residents with any entry by then.
balances AS (
    SELECT s.group_key, p.month, x.person_key, 100 + sum(x.points) AS balance
    FROM entries x
    JOIN scope s USING (community_id)
    JOIN periods p ON x.date <= p.p_end
    GROUP BY ALL
),
balance_metrics AS (
    SELECT group_key, month, avg(balance) AS mean_balance
    FROM balances
    GROUP BY ALL
),

-- Data quality (数据质量) -------------------------------------------------------------------------
-- Rows read and rejected by the loads of the period (by the day the load ran), for the rows whose
-- community could be told (load_counts, written by every load).
load_quality AS (
    SELECT s.group_key, p.month, sum(l.rejected) AS rejected, sum(l.rows_read) AS rows_read
    FROM load_counts l
    JOIN scope s USING (community_id)
    JOIN periods p ON CAST(l.loaded_at AS DATE) BETWEEN p.p_start AND p.p_end
    GROUP BY ALL
),
-- Records of the period (by their own date) and those first loaded within 10 days of it.
load_timeliness AS (
    SELECT s.group_key, p.month, sum(r.timely) AS timely, sum(r.with_load_time) AS with_load_time
    FROM record_loads r
    JOIN scope s USING (community_id)
    JOIN periods p ON r.own_date BETWEEN p.p_start AND p.p_end
    GROUP BY ALL
),

-- Grids (the grid list as it is now, the same in every period) ----------------------------------
grid_metrics AS (
    SELECT
        group_key,
        sum(grids) AS grids,
        sum(grid_households) AS grid_households,
        -- Coverage compares like with like: only communities whose household count is known.
        sum(coalesce(grid_households, 0)) FILTER (WHERE households IS NOT NULL) AS covered_households,
        sum(households) AS households,
        sum(oversized_grids) AS oversized,
        sum(grids_without_leader) AS no_leader,
        sum(grid_staff) AS staff,
        sum(grids_with_boundary) AS grids_with_boundary,
        -- Area coverage over the communities that have a boundary (sum ignores those without).
        sum(boundary_area_m2) AS boundary_area,
        sum(covered_area_m2) AS covered_area
    FROM scope
    GROUP BY ALL
),
-- A pair belongs to the community of each of its grids; a street or selection counts it once.
overlap_metrics AS (
    SELECT s.group_key, count(DISTINCT o.grid_id_a || chr(31) || o.grid_id_b) AS overlaps
    FROM overlapping_pairs o
    JOIN grid_list a ON a.grid_id = o.grid_id_a
    JOIN grid_list b ON b.grid_id = o.grid_id_b
    JOIN scope s ON s.community_id IN (a.community_id, b.community_id)
    GROUP BY ALL
),

-- Party building (党建引领) ----------------------------------------------------------------------
-- Members registered in the period: reported by its end and not left before its start.
registered_members AS (
    SELECT DISTINCT s.group_key, p.month, p.p_start, p.p_end, m.person_key
    FROM members m
    JOIN scope s USING (community_id)
    JOIN periods p ON m.reported_at <= p.p_end AND (m.left_at IS NULL OR m.left_at >= p.p_start)
),
-- What a member did in the period, matched by person_key (community and name): task claims, and the
-- projects they lead that ran in the period (started by its end, not closed before its start).
member_claims AS (
    SELECT r.group_key, r.month, r.person_key, count(*) AS claims, sum(k.hours) AS hours
    FROM registered_members r
    JOIN claims k ON k.person_key = r.person_key AND k.claimed_on BETWEEN r.p_start AND r.p_end
    GROUP BY ALL
),
member_projects AS (
    SELECT DISTINCT r.group_key, r.month, r.person_key
    FROM registered_members r
    JOIN projects j ON j.owner_key = r.person_key
    WHERE j.status <> '未启动' AND coalesce(j.started_at, j.planned_end) <= r.p_end
        AND (j.closed_at IS NULL OR j.closed_at >= r.p_start)
),
member_metrics AS (
    SELECT
        r.group_key,
        r.month,
        count(*) AS registered,
        count(*) FILTER (WHERE c.person_key IS NOT NULL OR j.person_key IS NOT NULL) AS active,
        sum(c.hours) AS service_hours
    FROM registered_members r
    LEFT JOIN member_claims c
        ON c.group_key = r.group_key AND c.month IS NOT DISTINCT FROM r.month AND c.person_key = r.person_key
    LEFT JOIN member_projects j
        ON j.group_key = r.group_key AND j.month IS NOT DISTINCT FROM r.month AND j.person_key = r.person_key
    GROUP BY ALL
),
-- Organisations existing at the end of the period. A 街道党工委 (no community) counts for its street.
org_metrics AS (
    SELECT s.group_key, p.month, count(DISTINCT o.org_id) AS orgs
    FROM party_orgs o
    JOIN scope s ON s.community_id = o.community_id
        OR (o.community_id IS NULL AND selection IS NULL AND by_street AND s.street = o.street)
    JOIN periods p ON o.established_at IS NULL OR o.established_at <= p.p_end
    GROUP BY ALL
),
-- Grids with a party group: 网格党小组 = 是 in the grid list, or an organisation placed in the grid.
grid_group_metrics AS (
    SELECT
        s.group_key,
        count(*) FILTER (
            WHERE g.party_group = '是' OR g.grid_id IN (SELECT grid_id FROM party_orgs WHERE grid_id IS NOT NULL)
        ) AS grids_with_group
    FROM stg_grids g
    JOIN scope s USING (community_id)
    GROUP BY ALL
),
unit_metrics AS (
    SELECT s.group_key, p.month, count(*) AS units, count(*) FILTER (WHERE u.is_alliance) AS alliance
    FROM units u
    JOIN scope s USING (community_id)
    JOIN periods p ON u.joined_at <= p.p_end
    GROUP BY ALL
),
-- Projects due (planned_end) in the period; closed counts if 销号 by the end of the period.
project_metrics AS (
    SELECT
        s.group_key,
        p.month,
        count(*) AS projects,
        count(*) FILTER (WHERE j.is_closed AND j.closed_at <= p.p_end) AS closed
    FROM projects j
    JOIN scope s USING (community_id)
    JOIN periods p ON j.planned_end BETWEEN p.p_start AND p.p_end
    GROUP BY ALL
),
-- Overdue as of the end of the period, whenever planned: the planned day past, not closed by then.
overdue_projects AS (
    SELECT s.group_key, p.month, count(*) AS overdue
    FROM projects j
    JOIN scope s USING (community_id)
    JOIN periods p ON j.planned_end < p.p_end
    WHERE NOT (j.is_closed AND j.closed_at <= p.p_end)
    GROUP BY ALL
),
volunteer_metrics AS (
    SELECT
        s.group_key,
        p.month,
        count(*) FILTER (WHERE v.is_team) AS teams,
        count(*) FILTER (WHERE v.is_neighbour) AS neighbours
    FROM volunteers v
    JOIN scope s USING (community_id)
    JOIN periods p ON v.joined_at <= p.p_end
    GROUP BY ALL
)

-- Final select: one column per metric key, dots as underscores ---------------------------------
SELECT
    g.group_key,
    g.month,

    coalesce(t.published, 0) AS tasks_published,
    coalesce(k.claims, 0) AS tasks_claims,
    coalesce(t.closed, 0) AS tasks_closed,
    t.closed / nullif(t.published, 0) AS tasks_published_closure_rate,
    coalesce(d.due, 0) AS tasks_due,
    coalesce(d.due_closed, 0) AS tasks_due_closed,
    d.due_closed / nullif(d.due, 0) AS tasks_closure_rate,
    d.due_closed_on_time / nullif(d.due, 0) AS tasks_on_time_rate,
    t.responded_in_time / nullif(t.published, 0) AS tasks_response_rate,
    t.median_days_to_close AS tasks_median_days_to_close,
    coalesce(o.overdue_open, 0) AS tasks_overdue_open,
    coalesce(k.claims, 0) / nullif(t.published, 0) AS tasks_claims_per_task,
    t.satisfied / nullif(t.rated, 0) AS tasks_satisfaction_rate,

    coalesce(m.cases, 0) AS mediation_cases,
    coalesce(m.closed, 0) AS mediation_closed,
    m.successes / nullif(m.closed, 0) AS mediation_success_rate,
    coalesce(m.settled, 0) AS mediation_settled,
    m.resolved_in_grid / nullif(m.settled, 0) AS mediation_grid_rate,
    m.resolved_in_community / nullif(m.settled, 0) AS mediation_community_rate,
    coalesce(m.escalated, 0) AS mediation_escalated,
    m.median_days AS mediation_median_days,
    coalesce(m.mediators, 0) AS mediation_mediators,

    coalesce(j.postings, 0) AS jobs_postings,
    CAST(coalesce(j.vacancies, 0) AS BIGINT) AS jobs_vacancies,
    coalesce(r.registrations, 0) AS jobs_registrations,
    coalesce(r.intents, 0) AS jobs_intents,
    coalesce(r.placements, 0) AS jobs_placements,
    CAST(coalesce(tr.trainees, 0) AS BIGINT) AS jobs_trainees,
    CAST(coalesce(tr.certified, 0) AS BIGINT) AS jobs_certified,
    coalesce(e.events, 0) AS events_count,

    CAST(coalesce(gr.grids, 0) AS BIGINT) AS grids_count,
    gr.covered_households / nullif(gr.households, 0) AS grids_household_coverage,
    -- Both need boundaries: NULL ("—") for a group without community (resp. grid) boundaries.
    gr.covered_area / nullif(gr.boundary_area, 0) AS grids_area_coverage,
    CASE WHEN gr.grids_with_boundary > 0 THEN CAST(coalesce(ov.overlaps, 0) AS BIGINT) END AS grids_overlaps,
    CAST(coalesce(gr.oversized, 0) AS BIGINT) AS grids_oversized,
    CAST(coalesce(gr.no_leader, 0) AS BIGINT) AS grids_no_leader,
    gr.grid_households / nullif(gr.staff, 0) AS grids_households_per_staff,
    (coalesce(t.published, 0) + coalesce(m.cases, 0)) * 1000.0 / nullif(gr.households, 0) AS grids_events_per_1000,

    coalesce(x.participants, 0) AS points_participants,
    CAST(coalesce(x.earned, 0) AS BIGINT) AS points_earned,
    CAST(coalesce(x.redeemed, 0) AS BIGINT) AS points_redeemed,
    coalesce(x.redeemers, 0) AS points_redeemers,
    b.mean_balance AS points_balance,

    q.rejected / nullif(q.rows_read, 0) AS ledgers_rejection_rate,
    lt.timely / nullif(lt.with_load_time, 0) AS ledgers_timeliness,

    coalesce(pm.registered, 0) AS party_registered,
    coalesce(pm.active, 0) AS party_active,
    pm.active / nullif(pm.registered, 0) AS party_active_rate,
    CAST(coalesce(pm.service_hours, 0) AS DOUBLE) AS party_service_hours,
    coalesce(po.orgs, 0) AS party_orgs,
    gg.grids_with_group / nullif(gr.grids, 0) AS party_grid_groups,
    coalesce(un.units, 0) AS units_count,
    coalesce(un.alliance, 0) AS units_alliance,
    coalesce(pj.projects, 0) AS projects_total,
    coalesce(pj.closed, 0) AS projects_closed,
    pj.closed / nullif(pj.projects, 0) AS projects_closure_rate,
    coalesce(op.overdue, 0) AS projects_overdue,
    coalesce(vo.teams, 0) AS volunteers_teams,
    coalesce(vo.neighbours, 0) AS volunteers_neighbours
FROM groups g
LEFT JOIN task_metrics t ON t.group_key = g.group_key AND t.month IS NOT DISTINCT FROM g.month
LEFT JOIN due_metrics d ON d.group_key = g.group_key AND d.month IS NOT DISTINCT FROM g.month
LEFT JOIN overdue_tasks o ON o.group_key = g.group_key AND o.month IS NOT DISTINCT FROM g.month
LEFT JOIN claim_metrics k ON k.group_key = g.group_key AND k.month IS NOT DISTINCT FROM g.month
LEFT JOIN mediation_metrics m ON m.group_key = g.group_key AND m.month IS NOT DISTINCT FROM g.month
LEFT JOIN posting_metrics j ON j.group_key = g.group_key AND j.month IS NOT DISTINCT FROM g.month
LEFT JOIN seeker_metrics r ON r.group_key = g.group_key AND r.month IS NOT DISTINCT FROM g.month
LEFT JOIN training_metrics tr ON tr.group_key = g.group_key AND tr.month IS NOT DISTINCT FROM g.month
LEFT JOIN event_metrics e ON e.group_key = g.group_key AND e.month IS NOT DISTINCT FROM g.month
LEFT JOIN points_metrics x ON x.group_key = g.group_key AND x.month IS NOT DISTINCT FROM g.month
LEFT JOIN balance_metrics b ON b.group_key = g.group_key AND b.month IS NOT DISTINCT FROM g.month
LEFT JOIN load_quality q ON q.group_key = g.group_key AND q.month IS NOT DISTINCT FROM g.month
LEFT JOIN load_timeliness lt ON lt.group_key = g.group_key AND lt.month IS NOT DISTINCT FROM g.month
LEFT JOIN grid_metrics gr ON gr.group_key = g.group_key
LEFT JOIN overlap_metrics ov ON ov.group_key = g.group_key
LEFT JOIN member_metrics pm ON pm.group_key = g.group_key AND pm.month IS NOT DISTINCT FROM g.month
LEFT JOIN org_metrics po ON po.group_key = g.group_key AND po.month IS NOT DISTINCT FROM g.month
LEFT JOIN grid_group_metrics gg ON gg.group_key = g.group_key
LEFT JOIN unit_metrics un ON un.group_key = g.group_key AND un.month IS NOT DISTINCT FROM g.month
LEFT JOIN project_metrics pj ON pj.group_key = g.group_key AND pj.month IS NOT DISTINCT FROM g.month
LEFT JOIN overdue_projects op ON op.group_key = g.group_key AND op.month IS NOT DISTINCT FROM g.month
LEFT JOIN volunteer_metrics vo ON vo.group_key = g.group_key AND vo.month IS NOT DISTINCT FROM g.month;
