-- community_metrics(start_date, end_date): one row per community (with its street), every community
-- even without data, one column per metric key of METRICS.md with dots as underscores
-- (tasks.closure_rate -> tasks_closure_rate). The catalogue is streetdash/metrics.toml.
CREATE OR REPLACE MACRO community_metrics(start_date, end_date) AS TABLE
WITH
communities AS (SELECT community_id, community, street FROM dim_communities),
metrics AS (SELECT * FROM metrics_grouped(start_date, end_date, false, false, NULL))

SELECT c.community_id, c.community, c.street, m.* EXCLUDE (group_key, month)
FROM communities c
JOIN metrics m ON m.group_key = c.community_id
ORDER BY c.street, c.community_id;
