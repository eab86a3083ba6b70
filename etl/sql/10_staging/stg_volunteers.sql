-- Volunteer teams and 宝藏邻居 (志愿服务队与宝藏邻居台账) with their community, one row per team or neighbour.
CREATE OR REPLACE VIEW stg_volunteers AS
WITH
volunteers_src AS (SELECT * FROM volunteers),
communities_src AS (SELECT community_id, name AS community, street FROM communities)
SELECT
    v.volunteer_id,
    v.community_id,
    c.community,
    c.street,
    v.kind AS volunteer_kind,
    v.name,
    v.person_key,
    v.person_masked,
    v.skill,
    v.members,
    v.joined_at,
    v.kind = '志愿服务队' AS is_team,
    v.kind = '宝藏邻居' AS is_neighbour,
    v.source_file,
    v.source_sheet,
    v.source_row
FROM volunteers_src v
LEFT JOIN communities_src c USING (community_id);
