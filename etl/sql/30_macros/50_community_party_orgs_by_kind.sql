-- community_party_orgs_by_kind(start_date, end_date): party.orgs split by kind, one row per community x
-- kind of the organisations existing at the end of the period (established by then, or no date), with
-- their members. A 街道党工委 has no community: its row has the street only.
-- E.g. 党支部 including 小区党支部: sum(party_orgs) ... WHERE kind IN ('党支部', '小区党支部', '网格党支部').
CREATE OR REPLACE MACRO community_party_orgs_by_kind(start_date, end_date) AS TABLE
WITH
orgs AS (SELECT * FROM stg_party_orgs)

SELECT
    community_id,
    community,
    street,
    kind,
    count(*) AS party_orgs,
    CAST(sum(members) AS BIGINT) AS members
FROM orgs
WHERE established_at IS NULL OR established_at <= CAST(end_date AS DATE)
GROUP BY ALL
ORDER BY ALL;
