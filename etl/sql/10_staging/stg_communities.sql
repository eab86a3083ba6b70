-- The community list (社区名录): one row per community, its name as `community`.
CREATE OR REPLACE VIEW stg_communities AS
WITH communities_src AS (SELECT * FROM communities)
SELECT
    community_id,
    name AS community,
    street,
    households,
    population,
    kind,
    aliases,
    source_file,
    source_sheet,
    source_row
FROM communities_src;
