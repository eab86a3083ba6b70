-- Claims, each with the community of its task.
CREATE OR REPLACE VIEW stg_task_claims AS
SELECT c.claim_id, c.task_id, t.community_id, c.person_key, c.member_type, c.claimed_at,
       CAST(c.claimed_at AS DATE) AS claimed_on, c.hours
FROM task_claims c
JOIN tasks t USING (task_id);
