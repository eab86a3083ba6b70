-- Points entries (积分台账, 积分超市) with their community, one row per entry.
CREATE OR REPLACE VIEW stg_points AS
WITH
points_src AS (SELECT * FROM points),
communities_src AS (SELECT community_id, name AS community, street FROM communities)
SELECT
    x.entry_id,
    x.community_id,
    c.community,
    c.street,
    x.person_key,
    x.person_masked,
    x.date,
    x.reason,
    x.points,
    x.item,
    x.reason = '积分兑换' AS is_redemption,
    x.source_file,
    x.source_sheet,
    x.source_row
FROM points_src x
LEFT JOIN communities_src c USING (community_id);
