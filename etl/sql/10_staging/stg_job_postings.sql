-- Job postings (就业信息台账) with their community, one row per posting.
CREATE OR REPLACE VIEW stg_job_postings AS
WITH
postings_src AS (SELECT * FROM job_postings),
communities_src AS (SELECT community_id, name AS community, street FROM communities)
SELECT
    j.posting_id,
    j.community_id,
    c.community,
    c.street,
    j.employer,
    j.position,
    j.vacancies,
    j.posted_at,
    j.channel,
    j.salary_min,
    j.salary_max,
    j.source_file,
    j.source_sheet,
    j.source_row
FROM postings_src j
LEFT JOIN communities_src c USING (community_id);
