"""ETL: load hand-kept ledgers (台账) into the DuckDB warehouse."""
