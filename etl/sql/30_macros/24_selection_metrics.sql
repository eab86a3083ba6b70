-- selection_metrics(start_date, end_date, communities): the chosen communities (a list of names or
-- codes) as one group, one row, computed from their records like a street (not from their rates).
CREATE OR REPLACE MACRO selection_metrics(start_date, end_date, communities) AS TABLE
WITH
metrics AS (SELECT * FROM metrics_grouped(start_date, end_date, false, false, communities))

SELECT m.* EXCLUDE (group_key, month)
FROM metrics m;
