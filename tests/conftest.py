"""Test-wide settings: a throwaway PII secret and warehouse, so tests never touch real ones."""

import os
import tempfile
from pathlib import Path

_scratch = Path(tempfile.mkdtemp(prefix="streetdash-tests-"))
os.environ["STREETDASH_SECRET_FILE"] = str(_scratch / "person_key.secret")
os.environ["WAREHOUSE_DB"] = str(_scratch / "default-warehouse.duckdb")
