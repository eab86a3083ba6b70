-- metric_periods(start_date, end_date, by_month): the periods a metric macro reports on: one row for
-- the whole range (month NULL), or one per month (month = its first day; the first and last months are
-- clipped to the range). Shared by metrics_grouped and grid_metrics_grouped.
-- A period that runs past the data's latest date (data_as_of) ends at it: what is due, overdue or
-- closed "by the end of the period" is known only up to that day (METRICS.md, Tasks).
CREATE OR REPLACE MACRO metric_periods(start_date, end_date, by_month) AS TABLE
WITH
months AS (
    SELECT CAST(unnest(CASE WHEN by_month
        THEN generate_series(
            date_trunc('month', CAST(start_date AS DATE)), CAST(end_date AS TIMESTAMP), INTERVAL 1 MONTH)
        ELSE [NULL] END) AS DATE) AS month
)
SELECT
    month,
    CASE WHEN month IS NULL THEN CAST(start_date AS DATE)
        ELSE greatest(month, CAST(start_date AS DATE)) END AS p_start,
    least(
        CASE WHEN month IS NULL THEN CAST(end_date AS DATE)
            ELSE least(CAST(month + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE), CAST(end_date AS DATE)) END,
        (SELECT max(as_of) FROM data_as_of)
    ) AS p_end
FROM months;
