-- The grid checks: one row per problem, the geometric ones (computed at load time by etl/grid_checks.py)
-- beside those of the grid list. The table beside the grid map, and the grid items of 需要关注.
-- A pair of overlapping grids in two communities is listed under each, so a community sees it.
CREATE OR REPLACE VIEW grid_checks AS
WITH
grids AS (SELECT * FROM stg_grids),
communities AS (SELECT community_id, community, street FROM stg_communities),
gaps AS (SELECT * FROM grid_gaps),
overlapping_pairs AS (SELECT * FROM grid_overlaps WHERE counts_as_overlap),
boundaries_loaded AS (
    SELECT (SELECT count(*) FROM grid_boundaries) + (SELECT count(*) FROM community_boundaries) > 0 AS yes
),

problems AS (
    SELECT
        1 AS problem_order, '覆盖空白' AS problem, g.community_id, NULL AS grid_id,
        '第 ' || g.gap_no || ' 处：' || format('{:,.0f}', g.area_m2) || ' 平方米不在本社区任何网格内' AS detail,
        g.area_m2, g.centroid_lon AS lon, g.centroid_lat AS lat
    FROM gaps g
    UNION ALL
    SELECT
        2, '网格重叠', side.community_id, side.grid_id,
        '与' || coalesce(other.grid, other.grid_id) || '（' || other.grid_id || '）重叠 '
            || format('{:,.0f}', o.area_m2) || ' 平方米，占较小网格的 ' || format('{:.1f}', o.share_of_smaller * 100) || '%',
        o.area_m2, o.centroid_lon, o.centroid_lat
    FROM overlapping_pairs o
    CROSS JOIN LATERAL (SELECT * FROM (VALUES (o.grid_id_a, o.grid_id_b), (o.grid_id_b, o.grid_id_a)) v(this, that)) pair
    JOIN grids side ON side.grid_id = pair.this
    JOIN grids other ON other.grid_id = pair.that
    -- Within one community the pair is one row (under its first grid); across two, one row in each.
    WHERE pair.this = o.grid_id_a OR side.community_id <> other.community_id
    UNION ALL
    SELECT
        3, '超出社区边界', community_id, grid_id,
        format('{:,.0f}', outside_community_m2) || ' 平方米（占本网格 '
            || format('{:.1f}', outside_community_m2 / area_m2 * 100) || '%）在所属社区边界之外',
        outside_community_m2, centroid_lon, centroid_lat
    FROM grids WHERE reaches_outside
    UNION ALL
    SELECT 4, '缺少边界', community_id, grid_id, '网格名录中有此网格，边界文件中没有它的边界', NULL, NULL, NULL
    FROM grids WHERE NOT has_boundary AND (SELECT yes FROM boundaries_loaded)
    UNION ALL
    SELECT 5, '超标网格', community_id, grid_id, households || ' 户，超过每格 300～500 户的标准', NULL, centroid_lon, centroid_lat
    FROM grids WHERE is_oversized
    UNION ALL
    SELECT 6, '无网格长', community_id, grid_id, '网格名录中未填网格长', NULL, centroid_lon, centroid_lat
    FROM grids WHERE has_no_leader
    UNION ALL
    SELECT 7, '没有网格员', community_id, grid_id, '专职和兼职网格员都为 0 或未填', NULL, centroid_lon, centroid_lat
    FROM grids WHERE staff = 0
)

SELECT
    c.street, p.community_id, c.community, p.grid_id, g.grid, p.problem, p.detail, p.area_m2, p.lon, p.lat,
    p.problem_order
FROM problems p
JOIN communities c USING (community_id)
LEFT JOIN grids g ON g.grid_id = p.grid_id
ORDER BY c.street, p.problem_order, p.community_id, p.grid_id;
