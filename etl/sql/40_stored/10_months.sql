-- Every community's and every street's figures per calendar month, for the last 24 months of the data
-- (the month of data_as_of counted up to that day), exactly as community_monthly and street_monthly
-- give them: stored by every load so that what a page asks for in whole months (the month's 考核, the
-- twelve-month trends) is read as rows instead of planned and run as the metric query, on every filter
-- change. streetdash/metrics.py reads them when a range it is asked for is whole months within
-- months_coverage, and runs the macro otherwise; tests/metrics/test_stored_months.py holds them equal.
-- Twenty-four months, not the whole history: the pages ask for recent months, and each stored month
-- costs the load about 20–30 ms at 1,000,000 tasks (bench/results.md, notes of 22:36).
-- The SQL workspace's scoped copy (streetdash/scoped.py) copies these empty: they are figures of the
-- whole warehouse, and a street's row adds up communities outside a community user's scope.
CREATE OR REPLACE TABLE months_coverage AS
SELECT
    greatest(
        CAST(date_trunc('month', min(r.day)) AS DATE),
        CAST(date_trunc('month', any_value(a.as_of)) - INTERVAL 23 MONTH AS DATE)
    ) AS first_month,
    any_value(a.as_of) AS last_day
FROM rollup_daily r, (SELECT max(as_of) AS as_of FROM data_as_of) a
HAVING any_value(a.as_of) IS NOT NULL AND min(r.day) IS NOT NULL;

-- Both from one query (metrics_grouped_sets: each street, and each of its communities beside it, per
-- month): planning the metric query is most of this on a small warehouse, and every load runs it.
CREATE OR REPLACE TEMP TABLE months_grouped AS
SELECT * FROM metrics_grouped_sets(
    (SELECT first_month FROM months_coverage), (SELECT last_day FROM months_coverage),
    NULL, NULL, true, true, NULL, NULL, true, false
);

CREATE OR REPLACE TABLE months_communities AS
SELECT c.community_id, c.community, c.street, m.month, m.* EXCLUDE (group_key, month, is_group, previous)
FROM months_grouped m
JOIN dim_communities c ON c.community_id = m.group_key
WHERE NOT m.is_group
ORDER BY c.street, c.community_id, m.month;

CREATE OR REPLACE TABLE months_streets AS
SELECT m.group_key AS street, m.month, m.* EXCLUDE (group_key, month, is_group, previous)
FROM months_grouped m
WHERE m.is_group
ORDER BY street, m.month;

DROP TABLE months_grouped;
