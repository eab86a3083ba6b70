-- street_metrics(start_date, end_date): one row per street, computed from the records of its
-- communities (a street's rate is its numerators over its denominators, not the mean of its
-- communities' rates; distinct persons and medians are taken over the street's records).
CREATE OR REPLACE MACRO street_metrics(start_date, end_date) AS TABLE
WITH
metrics AS (SELECT * FROM metrics_grouped(start_date, end_date, true, false, NULL))

SELECT m.group_key AS street, m.* EXCLUDE (group_key, month)
FROM metrics m
ORDER BY street;
