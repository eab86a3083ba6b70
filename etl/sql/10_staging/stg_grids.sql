-- Grids (网格名录) with their community and the facts the grid checks need, one row per grid.
CREATE OR REPLACE VIEW stg_grids AS
WITH
grids_src AS (SELECT * FROM grids),
communities_src AS (SELECT community_id, name AS community, street FROM communities)
SELECT
    g.grid_id,
    g.name AS grid,
    g.community_id,
    c.community,
    c.street,
    g.households,
    g.population,
    g.leader_key,
    g.leader_masked,
    g.full_time_staff,
    g.part_time_staff,
    -- A missing staff count is no staff, so a grid without numbers does not hide its households.
    coalesce(g.full_time_staff, 0) + coalesce(g.part_time_staff, 0) AS staff,
    g.party_group,
    g.households > 500 AS is_oversized,  -- the rule: 300–500 households (or about 1,000 people)
    g.leader_key IS NULL AS has_no_leader,
    g.source_file,
    g.source_sheet,
    g.source_row
FROM grids_src g
LEFT JOIN communities_src c USING (community_id);
