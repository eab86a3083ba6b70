-- Mediation cases (矛盾纠纷调解台账) with their community and outcome flags, one row per case.
CREATE OR REPLACE VIEW stg_mediation_cases AS
WITH
cases_src AS (SELECT * FROM mediation_cases),
communities_src AS (SELECT community_id, name AS community, street FROM communities)
SELECT
    m.case_id,
    m.community_id,
    c.community,
    c.street,
    m.grid_id,
    m.dispute_type,
    m.parties_keys,
    m.parties_masked,
    m.mediator,
    m.level,
    m.outcome,
    m.received_at,
    CAST(m.received_at AS DATE) AS received_on,
    m.closed_at,
    CAST(m.closed_at AS DATE) AS closed_on,
    m.agreement,
    m.followup,
    -- Closed (结案): mediated to an end, successfully or not.
    m.outcome IN ('调解成功', '调解不成') AS is_closed,
    -- Settled (已办结): no longer being mediated, including cases handed up.
    m.outcome <> '调解中' AS is_settled,
    m.outcome = '调解成功' AS is_success,
    -- The level at which a case was resolved: only a successful mediation resolves a case.
    CASE WHEN m.outcome = '调解成功' THEN m.level END AS resolved_level,
    m.outcome = '调解成功' AND coalesce(m.level = '网格', false) AS resolved_in_grid,
    m.outcome = '调解成功' AND coalesce(m.level IN ('网格', '社区'), false) AS resolved_in_community,
    m.outcome = '已移交' OR coalesce(m.level = '移交上级', false) AS is_escalated,
    CASE WHEN m.outcome IN ('调解成功', '调解不成')
        THEN date_diff('second', m.received_at, m.closed_at) / 86400.0 END AS days_to_close,
    m.source_file,
    m.source_sheet,
    m.source_row
FROM cases_src m
LEFT JOIN communities_src c USING (community_id);
