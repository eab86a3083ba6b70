-- Every community's and every street's figures per calendar month, for the last 24 months of the data
-- (the month of data_as_of counted up to that day), exactly as community_monthly and street_monthly
-- give them: stored by every load so that what a page asks for in whole months (the month's 考核, the
-- twelve-month trends) is read as rows instead of planned and run as the metric query, on every filter
-- change. streetdash/metrics.py reads them when a range it is asked for is whole months within
-- months_coverage, and runs the macro otherwise; tests/metrics/test_stored_months.py holds them equal.
-- Twenty-four months, not the whole history: the pages ask for recent months, and each stored month
-- costs the load about 30 ms at 1,000,000 tasks (bench/results.md).
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

CREATE OR REPLACE TABLE months_communities AS
SELECT * FROM community_monthly(
    (SELECT first_month FROM months_coverage), (SELECT last_day FROM months_coverage)
);

CREATE OR REPLACE TABLE months_streets AS
SELECT * FROM street_monthly(
    (SELECT first_month FROM months_coverage), (SELECT last_day FROM months_coverage)
);
