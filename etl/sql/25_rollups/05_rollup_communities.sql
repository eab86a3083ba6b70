-- rollup_communities: dim_communities as a table (one row per community with its street, households,
-- what its grids hold and its boundary areas), read by every metric macro call as its scope.
CREATE OR REPLACE TABLE rollup_communities AS
SELECT * FROM dim_communities
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
