-- The settings each street's metrics use, one row per street of the community list: its own scheme
-- file's (streetdash/schemes/<street>.toml), else the shared one's (default.toml), else the built-in
-- 7 days and 24 hours. The table street_settings is written from the scheme files at every load.
CREATE OR REPLACE VIEW stg_street_settings AS
WITH
streets AS (SELECT DISTINCT street FROM communities WHERE street IS NOT NULL),
own AS (SELECT * FROM street_settings WHERE street IS NOT NULL),
shared AS (SELECT * FROM street_settings WHERE street IS NULL)
SELECT
    s.street,
    -- 默认办理时限: a task without a deadline is due this many days after it was published.
    CAST(coalesce(o.due_days, (SELECT any_value(due_days) FROM shared), 7) AS INTEGER) AS due_days,
    -- 响应时限: a first claim within this many hours of publication is a timely response.
    CAST(coalesce(o.response_hours, (SELECT any_value(response_hours) FROM shared), 24) AS DOUBLE) AS response_hours,
    coalesce(o.source_file, (SELECT any_value(source_file) FROM shared), '（内置默认）') AS source_file
FROM streets s
LEFT JOIN own o USING (street);
