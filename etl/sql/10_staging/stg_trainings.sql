-- Skills trainings (技能培训台账) with their community, one row per class.
CREATE OR REPLACE VIEW stg_trainings AS
WITH
trainings_src AS (SELECT * FROM trainings),
communities_src AS (SELECT community_id, name AS community, street FROM communities)
SELECT
    t.training_id,
    t.community_id,
    c.community,
    c.street,
    t.course,
    t.start_date,
    t.trainees,
    t.certified,
    t.employed,
    t.source_file,
    t.source_sheet,
    t.source_row
FROM trainings_src t
LEFT JOIN communities_src c USING (community_id);
