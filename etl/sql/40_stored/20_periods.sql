-- The figures of the preset periods (本月, 上月, 本季度, 本年 as the sidebar makes them on the data's last
-- day) and of the periods they are compared with, for every street and every community: a preset
-- chosen on a page reads these rows instead of planning and running the metric query, which is most
-- of a filter change on any warehouse. Filled after the models by etl/stored_periods.py (the presets
-- are Python's, streetdash/filters.py); streetdash.metrics.scope_figures reads them for a street or
-- one community when both of its periods are stored, and tests/metrics/test_stored_periods.py holds
-- them equal to scope_with_communities.
-- The SQL workspace's scoped copy (streetdash/scoped.py) copies these empty, as the stored months.
CREATE OR REPLACE TABLE periods_coverage (p_start DATE NOT NULL, p_end DATE NOT NULL);

-- Rows as metrics_grouped_sets gives them, each with the period it is for: a street (is_group, with
-- no community) or a community (with its street), named here so that reading them joins nothing.
-- Typed from months_communities, which holds the same columns.
CREATE OR REPLACE TABLE periods_grouped AS
SELECT
    CAST(NULL AS DATE) AS p_start,
    CAST(NULL AS DATE) AS p_end,
    true AS is_group,
    community_id,
    community,
    street,
    * EXCLUDE (community_id, community, street, month)
FROM months_communities
LIMIT 0;

-- Open tasks at the end of each stored period, per community and 积压时长 (the task page's backlog
-- ageing): counts, so a scope's are its communities' summed.
CREATE OR REPLACE TABLE periods_backlog (p_end DATE NOT NULL, community_id VARCHAR, bucket VARCHAR, tasks BIGINT);
