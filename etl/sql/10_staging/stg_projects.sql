-- Projects (民生实事与项目清单) with their community, one row per project, closed item by item (销号).
CREATE OR REPLACE VIEW stg_projects AS
WITH
projects_src AS (SELECT * FROM projects),
communities_src AS (SELECT community_id, name AS community, street FROM communities)
SELECT
    p.project_id,
    p.community_id,
    c.community,
    c.street,
    p.name,
    p.source,
    p.owner_unit,
    p.owner_key,
    p.owner_masked,
    p.started_at,
    p.planned_end,
    p.status,
    p.closed_at,
    p.budget,
    p.status = '已销号' AS is_closed,
    p.source_file,
    p.source_sheet,
    p.source_row
FROM projects_src p
LEFT JOIN communities_src c USING (community_id);
