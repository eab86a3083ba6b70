-- Campaign targets (领题攻坚指标) with their community, one row per (community, campaign, metric, period).
-- A row with a metric_key takes its actual value from the metric macros for its period, not from `actual`.
CREATE OR REPLACE VIEW stg_campaigns AS
WITH
campaigns_src AS (SELECT * FROM campaigns),
communities_src AS (SELECT community_id, name AS community, street FROM communities)
SELECT
    p.community_id,
    c.community,
    c.street,
    p.campaign,
    p.metric,
    p.unit,
    p.target,
    p.actual,
    p.metric_key,
    replace(p.metric_key, '.', '_') AS metric_column,
    p.period_start,
    p.period_end,
    p.source_file,
    p.source_sheet,
    p.source_row
FROM campaigns_src p
LEFT JOIN communities_src c USING (community_id);
