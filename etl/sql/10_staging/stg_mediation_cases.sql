-- Mediation cases with their outcome flags.
CREATE OR REPLACE VIEW stg_mediation_cases AS
SELECT
    case_id,
    community_id,
    grid_id,
    dispute_type,
    mediator,
    level,
    outcome,
    received_at,
    CAST(received_at AS DATE) AS received_on,
    closed_at,
    outcome IN ('调解成功', '调解不成') AS is_closed,
    outcome <> '调解中' AS is_settled,
    outcome = '调解成功' AS is_success,
    outcome = '调解成功' AND level = '网格' AS resolved_in_grid,
    outcome = '调解成功' AND level IN ('网格', '社区') AS resolved_in_community,
    outcome = '已移交' OR level = '移交上级' AS is_escalated,
    CASE WHEN outcome IN ('调解成功', '调解不成')
         THEN date_diff('second', received_at, closed_at) / 86400.0 END AS days_to_close
FROM mediation_cases;
