-- community_events_by_kind(start_date, end_date): events.count split by kind, one row per community x
-- kind that held events in the period (events dated in the period), with their participants.
-- E.g. 创业沙龙 + 座谈会: sum(events_count) ... WHERE kind IN ('创业沙龙', '座谈会').
CREATE OR REPLACE MACRO community_events_by_kind(start_date, end_date) AS TABLE
WITH
events AS (SELECT * FROM stg_events)

SELECT
    community_id,
    community,
    street,
    kind,
    count(*) AS events_count,
    CAST(sum(participants) AS BIGINT) AS participants
FROM events
WHERE date BETWEEN CAST(start_date AS DATE) AND CAST(end_date AS DATE)
GROUP BY ALL
ORDER BY ALL;
