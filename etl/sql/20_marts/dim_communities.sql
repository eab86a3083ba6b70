-- One row per community with its street and what its grids hold (grids do not depend on a period).
CREATE OR REPLACE VIEW dim_communities AS
WITH
communities AS (SELECT * FROM stg_communities),
grids AS (SELECT * FROM stg_grids),
community_shapes AS (SELECT * FROM community_shapes),

grid_totals AS (
    SELECT
        community_id,
        count(*) AS grids,
        sum(households) AS grid_households,
        count(*) FILTER (WHERE is_oversized) AS oversized_grids,
        count(*) FILTER (WHERE has_no_leader) AS grids_without_leader,
        sum(staff) AS grid_staff,
        count(*) FILTER (WHERE has_boundary) AS grids_with_boundary
    FROM grids
    GROUP BY community_id
)

SELECT
    c.community_id,
    c.community,
    c.street,
    c.households,
    c.population,
    c.kind,
    coalesce(g.grids, 0) AS grids,
    CAST(g.grid_households AS BIGINT) AS grid_households,
    coalesce(g.oversized_grids, 0) AS oversized_grids,
    coalesce(g.grids_without_leader, 0) AS grids_without_leader,
    CAST(g.grid_staff AS BIGINT) AS grid_staff,
    coalesce(g.grids_with_boundary, 0) AS grids_with_boundary,
    -- Area coverage needs the community's boundary and its grids' (covered_m2 is NULL until then);
    -- the area counts only with a coverage, so a street's ratio compares like with like.
    CASE WHEN s.covered_m2 IS NOT NULL THEN s.area_m2 END AS boundary_area_m2,
    s.covered_m2 AS covered_area_m2
FROM communities c
LEFT JOIN grid_totals g USING (community_id)
LEFT JOIN community_shapes s USING (community_id);
