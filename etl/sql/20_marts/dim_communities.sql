-- One row per community with its street and what its grids hold (grids do not depend on a period).
CREATE OR REPLACE VIEW dim_communities AS
WITH
communities AS (SELECT * FROM stg_communities),
grids AS (SELECT * FROM stg_grids),

grid_totals AS (
    SELECT
        community_id,
        count(*) AS grids,
        sum(households) AS grid_households,
        count(*) FILTER (WHERE is_oversized) AS oversized_grids,
        count(*) FILTER (WHERE has_no_leader) AS grids_without_leader,
        sum(staff) AS grid_staff
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
    CAST(g.grid_staff AS BIGINT) AS grid_staff
FROM communities c
LEFT JOIN grid_totals g USING (community_id);
