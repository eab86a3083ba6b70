-- One row per community with its street and what its grids hold (grids do not depend on a period).
CREATE OR REPLACE VIEW dim_communities AS
WITH grid_totals AS (
    SELECT
        community_id,
        count(*) AS grids,
        sum(households) AS grid_households,
        count(*) FILTER (WHERE households > 500) AS oversized_grids,
        count(*) FILTER (WHERE leader_key IS NULL) AS grids_without_leader,
        sum(coalesce(full_time_staff, 0) + coalesce(part_time_staff, 0)) AS grid_staff
    FROM grids
    GROUP BY community_id
)
SELECT
    c.community_id,
    c.name AS community,
    c.street,
    c.households,
    c.population,
    coalesce(g.grids, 0) AS grids,
    g.grid_households,
    coalesce(g.oversized_grids, 0) AS oversized_grids,
    coalesce(g.grids_without_leader, 0) AS grids_without_leader,
    g.grid_staff
FROM communities c
LEFT JOIN grid_totals g USING (community_id);
