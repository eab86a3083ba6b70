-- selection_monthly(start_date, end_date, communities): selection_metrics per month, one row per month.
CREATE OR REPLACE MACRO selection_monthly(start_date, end_date, communities) AS TABLE
WITH
metrics AS (SELECT * FROM metrics_grouped(start_date, end_date, false, true, communities))

SELECT m.month, m.* EXCLUDE (group_key, month)
FROM metrics m
ORDER BY m.month;
