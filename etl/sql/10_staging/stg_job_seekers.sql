-- Job-seeker service records (就业服务台账) with their community, one row per record.
-- `group` is a reserved word in SQL: it is `seeker_group` here.
CREATE OR REPLACE VIEW stg_job_seekers AS
WITH
seekers_src AS (SELECT * FROM job_seekers),
communities_src AS (SELECT community_id, name AS community, street FROM communities)
SELECT
    s.record_id,
    s.community_id,
    c.community,
    c.street,
    s.person_key,
    s.person_masked,
    s."group" AS seeker_group,
    s.posting_id,
    s.stage,
    s.date,
    s.stage = '达成意向' AS is_intent,
    s.stage = '已上岗' AS is_placed,
    s.source_file,
    s.source_sheet,
    s.source_row
FROM seekers_src s
LEFT JOIN communities_src c USING (community_id);
