-- community_monthly(start_date, end_date): community_metrics per month, one row per community x month
-- of the range (month = its first day; the first and last months count only the days in the range).
-- tasks_overdue_open and points_balance are as of each month's end.
CREATE OR REPLACE MACRO community_monthly(start_date, end_date) AS TABLE
WITH
communities AS (SELECT community_id, community, street FROM dim_communities),
metrics AS (SELECT * FROM metrics_grouped(start_date, end_date, false, true, NULL))

SELECT c.community_id, c.community, c.street, m.month, m.* EXCLUDE (group_key, month)
FROM communities c
JOIN metrics m ON m.group_key = c.community_id
ORDER BY c.street, c.community_id, m.month;
