-- The metric macros every client uses: pages, exports, the SQL workspace, any DuckDB client.
-- Columns are the metric keys of METRICS.md with dots as underscores (tasks.closure_rate -> tasks_closure_rate).

-- One row per community (with its street), every community even without data.
CREATE OR REPLACE MACRO community_metrics(start_date, end_date) AS TABLE
SELECT c.community_id, c.community, c.street, m.* EXCLUDE (group_key, month)
FROM metrics_grouped(start_date, end_date, false, false, NULL) m
JOIN dim_communities c ON c.community_id = m.group_key
ORDER BY c.street, c.community_id;

-- The same per month (month = its first day), every community x month of the range.
CREATE OR REPLACE MACRO community_monthly(start_date, end_date) AS TABLE
SELECT c.community_id, c.community, c.street, m.month, m.* EXCLUDE (group_key, month)
FROM metrics_grouped(start_date, end_date, false, true, NULL) m
JOIN dim_communities c ON c.community_id = m.group_key
ORDER BY c.street, c.community_id, m.month;

-- Street totals, computed from the records (not averages of community rates).
CREATE OR REPLACE MACRO street_metrics(start_date, end_date) AS TABLE
SELECT m.group_key AS street, m.* EXCLUDE (group_key, month)
FROM metrics_grouped(start_date, end_date, true, false, NULL) m
ORDER BY street;

-- The same per street and month.
CREATE OR REPLACE MACRO street_monthly(start_date, end_date) AS TABLE
SELECT m.group_key AS street, m.month, m.* EXCLUDE (group_key, month)
FROM metrics_grouped(start_date, end_date, true, true, NULL) m
ORDER BY street, m.month;

-- Several chosen communities as one group, computed from their records.
CREATE OR REPLACE MACRO selection_metrics(start_date, end_date, communities) AS TABLE
SELECT m.* EXCLUDE (group_key, month)
FROM metrics_grouped(start_date, end_date, false, false, communities) m;

CREATE OR REPLACE MACRO selection_monthly(start_date, end_date, communities) AS TABLE
SELECT m.month, m.* EXCLUDE (group_key, month)
FROM metrics_grouped(start_date, end_date, false, true, communities) m
ORDER BY m.month;

-- events.count split by kind.
CREATE OR REPLACE MACRO community_events_by_kind(start_date, end_date) AS TABLE
SELECT c.community_id, c.community, c.street, e.kind, count(*) AS events_count, sum(e.participants) AS participants
FROM events e JOIN dim_communities c USING (community_id)
WHERE e.date BETWEEN start_date AND end_date
GROUP BY ALL ORDER BY ALL;

-- Tasks published in the period by source and category (tasks.published for one source, e.g. 小程序).
CREATE OR REPLACE MACRO community_tasks_by(start_date, end_date) AS TABLE
SELECT c.community_id, c.community, c.street, t.source, t.category,
       count(*) AS tasks_published, count(*) FILTER (WHERE t.is_closed) AS tasks_closed
FROM stg_tasks t JOIN dim_communities c USING (community_id)
WHERE t.published_on BETWEEN start_date AND end_date
GROUP BY ALL ORDER BY ALL;

-- Trainings starting in the period by course (jobs.trainees for one course, e.g. 家政服务).
CREATE OR REPLACE MACRO community_trainings_by_course(start_date, end_date) AS TABLE
SELECT c.community_id, c.community, c.street, t.course, count(*) AS classes,
       sum(t.trainees) AS jobs_trainees, sum(t.certified) AS jobs_certified, sum(t.employed) AS employed
FROM trainings t JOIN dim_communities c USING (community_id)
WHERE t.start_date BETWEEN start_date AND end_date
GROUP BY ALL ORDER BY ALL;
