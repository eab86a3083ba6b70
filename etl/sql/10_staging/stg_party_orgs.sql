-- Party organisations (党组织名录) with their community and street, one row per organisation. A 街道党工委
-- has no community: its street is the street of the communities of the organisations under it.
CREATE OR REPLACE VIEW stg_party_orgs AS
WITH
orgs_src AS (SELECT * FROM party_orgs),
communities_src AS (SELECT community_id, name AS community, street FROM communities),
child_streets AS (
    SELECT o.parent_id AS org_id, min(c.street) AS street
    FROM orgs_src o
    JOIN communities_src c USING (community_id)
    WHERE o.parent_id IS NOT NULL
    GROUP BY ALL
)
SELECT
    o.org_id,
    o.name,
    o.kind,
    o.parent_id,
    o.community_id,
    c.community,
    coalesce(c.street, s.street) AS street,
    o.grid_id,
    o.members,
    o.established_at,
    -- 党支部 of every kind (METRICS.md: 党支部 including 小区党支部), the level a member is placed in.
    o.kind IN ('党支部', '小区党支部', '网格党支部') AS is_branch,
    o.source_file,
    o.source_sheet,
    o.source_row
FROM orgs_src o
LEFT JOIN communities_src c USING (community_id)
LEFT JOIN child_streets s USING (org_id);
