-- When a task counts as open or overdue on a given day, defined once for the metric macros and the
-- page breakdowns alike. 已关闭 is a task withdrawn: never open, never overdue.

-- Open at the end of day d: published by then, not withdrawn, not closed by then.
CREATE OR REPLACE MACRO task_open_at(published_on, status, closed_on, d) AS
    published_on <= d AND status <> '已关闭' AND (status <> '已办结' OR closed_on > d);

-- Overdue at the end of day d: open then, and its due date (stg_tasks.due_on: the deadline, or the
-- street's default 办理时限 after publication) already passed.
CREATE OR REPLACE MACRO task_overdue_at(published_on, status, closed_on, due_on, d) AS
    task_open_at(published_on, status, closed_on, d) AND due_on < d;
