-- Grids (网格名录) with their community, boundary facts and what the grid checks need, one row per grid.
CREATE OR REPLACE VIEW stg_grids AS
WITH
grids_src AS (SELECT * FROM grids),
communities_src AS (SELECT community_id, name AS community, street FROM communities),
shapes_src AS (SELECT * FROM grid_shapes)
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
    s.grid_id IS NOT NULL AS has_boundary,
    s.area_m2,
    s.outside_community_m2,
    s.reaches_outside,
    s.centroid_lon,
    s.centroid_lat,
    g.source_file,
    g.source_sheet,
    g.source_row
FROM grids_src g
LEFT JOIN communities_src c USING (community_id)
LEFT JOIN shapes_src s USING (grid_id);
