-- Claims (接单记录), each with the community of its task: a claim counts where the task is.
CREATE OR REPLACE VIEW stg_task_claims AS
WITH
claims_src AS (SELECT * FROM task_claims),
tasks_src AS (SELECT task_id, community_id FROM tasks),
communities_src AS (SELECT community_id, name AS community, street FROM communities)
SELECT
    k.claim_id,
    k.task_id,
    t.community_id,
    c.community,
    c.street,
    k.person_key,
    k.person_masked,
    k.member_type,
    k.claimed_at,
    CAST(k.claimed_at AS DATE) AS claimed_on,
    k.completed_at,
    k.hours,
    k.source_file,
    k.source_sheet,
    k.source_row
FROM claims_src k
JOIN tasks_src t USING (task_id)  -- the loader rejects a claim whose task is unknown
LEFT JOIN communities_src c ON c.community_id = t.community_id;
