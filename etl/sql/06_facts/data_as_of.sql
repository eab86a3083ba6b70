-- data_as_of: the last day any ledger has a record on ("数据截至"), computed once per load.
-- A period that runs past it ends at it (metric_periods): a task due on the 31st is not yet late on
-- the 17th, and a comparison with the period before uses as many days (streetdash/filters.py).
-- Counted: every record's own date (published, received, posted, dated, claimed, reported, joined).
-- Not a project's planned end (销号 planned for next year is a plan, not data). Not the days tasks
-- or cases were closed: a ledger may carry a closing date written ahead ("预计"), and a typo in one
-- date must not move the whole dashboard; nor a day after today, which can only be a typo.
CREATE OR REPLACE TABLE data_as_of AS
SELECT least(max(d), current_date) AS as_of
FROM (
    SELECT max(CAST(published_at AS DATE)) AS d FROM tasks
    UNION ALL SELECT max(CAST(claimed_at AS DATE)) FROM task_claims
    UNION ALL SELECT max(CAST(received_at AS DATE)) FROM mediation_cases
    UNION ALL SELECT max(posted_at) FROM job_postings
    UNION ALL SELECT max(date) FROM job_seekers
    UNION ALL SELECT max(date) FROM events
    UNION ALL SELECT max(start_date) FROM trainings
    UNION ALL SELECT max(date) FROM points
    UNION ALL SELECT max(reported_at) FROM party_members
    UNION ALL SELECT max(joined_at) FROM units
    UNION ALL SELECT max(joined_at) FROM volunteers
);
