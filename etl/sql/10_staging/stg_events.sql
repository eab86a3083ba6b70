-- Events (活动台账: job fairs, salons, meetings, trainings, volunteering) with their community.
CREATE OR REPLACE VIEW stg_events AS
WITH
events_src AS (SELECT * FROM events),
communities_src AS (SELECT community_id, name AS community, street FROM communities)
SELECT
    e.event_id,
    e.community_id,
    c.community,
    c.street,
    e.kind,
    e.title,
    e.date,
    e.participants,
    e.source_file,
    e.source_sheet,
    e.source_row
FROM events_src e
LEFT JOIN communities_src c USING (community_id);
