-- Party members reporting to their community (党员报到台账, 双报到), one row per registration. person_key
-- is by community and name, the same key as the 接单人 of that community's task claims.
CREATE OR REPLACE VIEW stg_party_members AS
WITH
members_src AS (SELECT * FROM party_members),
communities_src AS (SELECT community_id, name AS community, street FROM communities)
SELECT
    m.record_id,
    m.community_id,
    c.community,
    c.street,
    m.grid_id,
    m.person_key,
    m.person_masked,
    m.kind AS member_kind,
    m.org,
    m.branch_id,
    m.reported_at,
    m.left_at,
    m.source_file,
    m.source_sheet,
    m.source_row
FROM members_src m
LEFT JOIN communities_src c USING (community_id);
