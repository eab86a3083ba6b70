-- rollup_communities: dim_communities as a table (one row per community with its street, households,
-- what its grids hold and its boundary areas), read by every metric macro call as its scope.
-- With two party-building figures that do not depend on a period either: the grids with a party group
-- (网格党小组 = 是, or an organisation placed in the grid) and the organisations without a founding
-- date, which count in every period (dated ones are in rollup_stock).
CREATE OR REPLACE TABLE rollup_communities AS
WITH
grid_groups AS (
    SELECT
        community_id,
        count(*) FILTER (
            WHERE party_group = '是' OR grid_id IN (SELECT grid_id FROM stg_party_orgs WHERE grid_id IS NOT NULL)
        ) AS grids_with_party_group
    FROM stg_grids
    GROUP BY community_id
),
undated_orgs AS (
    SELECT community_id, count(*) AS party_orgs_undated
    FROM stg_party_orgs
    WHERE community_id IS NOT NULL AND established_at IS NULL
    GROUP BY community_id
)
SELECT
    d.*,
    coalesce(g.grids_with_party_group, 0) AS grids_with_party_group,
    coalesce(o.party_orgs_undated, 0) AS party_orgs_undated
FROM dim_communities d
LEFT JOIN grid_groups g USING (community_id)
LEFT JOIN undated_orgs o USING (community_id)
ORDER BY community_id;

-- rollup_grid_pairs: the overlapping grid pairs past the threshold of METRICS.md (decided when the
-- grid checks ran), one row per pair and community of each of its grids: a community counts a pair
-- that touches it, a street or selection counts it once (count(DISTINCT pair)). The pair is a number,
-- so a community's row names no other community's grid.
CREATE OR REPLACE TABLE rollup_grid_pairs AS
WITH
pairs AS (
    SELECT row_number() OVER (ORDER BY o.grid_id_a, o.grid_id_b) AS pair, a.community_id AS a, b.community_id AS b
    FROM grid_overlaps o
    JOIN stg_grids a ON a.grid_id = o.grid_id_a
    JOIN stg_grids b ON b.grid_id = o.grid_id_b
    WHERE o.counts_as_overlap
)
SELECT DISTINCT community_id, pair
FROM (SELECT a AS community_id, pair FROM pairs UNION ALL SELECT b, pair FROM pairs)
WHERE community_id IS NOT NULL
ORDER BY community_id, pair;
