-- When a task counts as open or overdue on a given day, defined once for the metric macros and the
-- page breakdowns alike. 已关闭 is a task withdrawn: never open, never overdue.

-- Open at the end of day d: published by then, not withdrawn, not closed by then.
CREATE OR REPLACE MACRO task_open_at(published_on, status, closed_on, d) AS
    published_on <= d AND status <> '已关闭' AND (status <> '已办结' OR closed_on > d);

-- Overdue at the end of day d: open then, and its due date (stg_tasks.due_on: the deadline, or the
-- street's default 办理时限 after publication) already passed.
CREATE OR REPLACE MACRO task_overdue_at(published_on, status, closed_on, due_on, d) AS
    task_open_at(published_on, status, closed_on, d) AND due_on < d;

-- How long a task open at the end of day d has been open, as the task page's backlog buckets (积压时长):
-- the same for the page's query and the backlog a load stores (etl/stored_periods.py).
CREATE OR REPLACE MACRO backlog_age_bucket(published_on, d) AS
    CASE WHEN date_diff('day', published_on, d) <= 7 THEN '0–7天'
         WHEN date_diff('day', published_on, d) <= 30 THEN '8–30天'
         WHEN date_diff('day', published_on, d) <= 90 THEN '31–90天'
         ELSE '90天以上' END;
