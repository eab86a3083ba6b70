-- Resident units (驻区单位共建台账) with their community, one row per unit.
CREATE OR REPLACE VIEW stg_units AS
WITH
units_src AS (SELECT * FROM units),
communities_src AS (SELECT community_id, name AS community, street FROM communities)
SELECT
    u.unit_id,
    u.community_id,
    c.community,
    c.street,
    u.name,
    u.kind AS unit_kind,
    u.alliance,
    u.alliance = '是' AS is_alliance,
    u.needs,
    u.resources,
    u.joined_at,
    u.source_file,
    u.source_sheet,
    u.source_row
FROM units_src u
LEFT JOIN communities_src c USING (community_id);
