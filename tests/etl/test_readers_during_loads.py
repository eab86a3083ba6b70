"""Readers on the app's shared database (``streetdash.db.connect_readonly``) while loads publish new
versions: no error, and every read sees one batch whole — the ledger rows and the rollups the metric
macros read always come from the same version."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from etl.load import load_paths
from streetdash.db import close_shared, connect_readonly
from tests.etl.test_atomic import big_task_file
from tests.ledgers import write_base

CONSISTENT = """
    SELECT (SELECT count(*) FROM tasks) AS records,
           (SELECT sum(tasks_published) FROM community_metrics(DATE '2000-01-01', DATE '2030-12-31')) AS rolled
"""


def test_readers_see_each_batch_whole_while_loads_publish(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    assert load_paths(write_base(tmp_path / "base"), db=db).committed
    batches = [big_task_file(tmp_path / f"t{i}.csv", 300, prefix=f"B{i}") for i in range(3)]
    expected = {0, 300, 600, 900}  # tasks after 0, 1, 2 or 3 batches
    seen: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                with connect_readonly(db) as con:
                    records, rolled = con.execute(CONSISTENT).fetchone()
                seen.append((records, int(rolled or 0)))
            except BaseException as error:  # noqa: BLE001  (collected, asserted below)
                errors.append(error)
                return
            time.sleep(0.005)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for thread in readers:
        thread.start()
    try:
        for batch in batches:
            assert load_paths([batch], db=db).committed
            time.sleep(0.2)
        # The readers' next connection opens the last version; on a loaded machine its first metric
        # query can take seconds, so wait for it to be read rather than for a fixed time.
        deadline = time.monotonic() + 60
        while not errors and time.monotonic() < deadline and not any(r == 900 for r, _ in seen):
            time.sleep(0.05)
    finally:
        done.set()
        for thread in readers:
            thread.join()
        close_shared(db)
    assert errors == []
    assert seen and all(records == rolled and records in expected for records, rolled in seen), set(seen)
    assert max(records for records, _ in seen) == 900  # the last version was read too
