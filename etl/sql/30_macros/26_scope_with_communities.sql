-- scope_with_communities(start_date, end_date, prev_start, prev_end, street, communities): what a page
-- shows together, in one query instead of three (metrics_grouped_sets: planning the metric query costs
-- more than running it on a street). Rows, in this order:
--   part 'scope', previous false: the scope as one group for the period, as street_metrics (the street;
--     every street when street is NULL) or, with communities (names or codes), as selection_metrics;
--   part 'scope', previous true: the same for the period before (prev_start to prev_end, or none);
--   part 'community': each community of the scope for the period, as community_metrics with
--     WHERE street = street AND the communities.
-- Columns: part, previous, community_id, community, street (NULL for a selection), then the metrics.
CREATE OR REPLACE MACRO scope_with_communities(start_date, end_date, prev_start, prev_end, street, communities) AS TABLE
SELECT
    CASE WHEN m.is_group THEN 'scope' ELSE 'community' END AS part,
    m.previous,
    c.community_id,
    c.community,
    CASE WHEN m.is_group THEN (CASE WHEN communities IS NULL THEN m.group_key END) ELSE c.street END AS street,
    m.* EXCLUDE (group_key, month, is_group, previous)
FROM metrics_grouped_sets(
    start_date, end_date, prev_start, prev_end, communities IS NULL, false, communities, street, true, false
) m
LEFT JOIN dim_communities c ON NOT m.is_group AND c.community_id = m.group_key
WHERE m.is_group OR c.community_id IS NOT NULL
ORDER BY m.is_group DESC, m.previous, 5, c.community_id;
