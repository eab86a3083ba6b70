-- The task columns of the rollups are read; the TEMP table goes (a refresh applies the models again).
DROP TABLE IF EXISTS temp.rollup_task_facts;
