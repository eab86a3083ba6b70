-- street_monthly(start_date, end_date): street_metrics per month, one row per street x month.
CREATE OR REPLACE MACRO street_monthly(start_date, end_date) AS TABLE
WITH
metrics AS (SELECT * FROM metrics_grouped(start_date, end_date, true, true, NULL))

SELECT m.group_key AS street, m.month, m.* EXCLUDE (group_key, month)
FROM metrics m
ORDER BY street, m.month;
