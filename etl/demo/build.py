"""The demo's entry: every topic drawn in its fixed order, the ledgers written, then loaded."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path

from rich.console import Console

from etl.demo.campaigns import add_campaigns, add_points
from etl.demo.employment import add_events_and_trainings, add_jobs
from etl.demo.mediation import add_mediation
from etl.demo.offices import write_ledgers
from etl.demo.party import write_party
from etl.demo.places import add_places
from etl.demo.tasks import add_tasks
from etl.demo.world import AS_OF, Ledgers, World
from streetdash.config import DATA_DIR, DEMO_DIR, warehouse_path


class Generator(World):
    """The demo street from one seed; ``build()`` fills ``ledgers`` topic by topic.

    The order of the topics is the order of the random draws: changing it changes every file after.
    """

    def build(self) -> Ledgers:
        add_places(self)
        add_tasks(self)
        add_mediation(self)
        add_jobs(self)
        add_events_and_trainings(self)
        add_campaigns(self)
        add_points(self)
        return self.ledgers


def generate_demo(folder: Path = DEMO_DIR, seed: int = 20221231) -> Path:
    """Write the demo ledgers into ``folder`` (cleared first) and return it."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    generator = Generator(seed)
    write_ledgers(generator.build(), generator, folder)
    # The fourth street and the party ledgers draw from streams of their own, into files of their own:
    # the three streets' files above are the same with or without them.
    write_party(generator, folder, seed)
    return folder


def build_demo(
    db: Path | None = None, seed: int = 20221231, folder: Path = DEMO_DIR, report_dir: Path = DATA_DIR / "demo_reports"
) -> int:
    """Generate the demo ledgers and load them through the loader; returns the loader's exit code.

    The warehouse is marked as the demo (table ``warehouse_info``), so the app starts in demo mode on it.

    The demo's bad rows are rejected on purpose; their report goes to ``report_dir``, not among the
    ledgers. The batch is loaded as of the evening the made-up data ends (2024-12-31), as a street
    office would have loaded it, so the load's own dates (ledgers.rejection_rate, ledgers.timeliness)
    fall in the demo's world and the warehouse is the same whenever it is built.
    """
    from etl.load import load_paths
    from etl.reader import REPORT_SUFFIX
    from etl.report import print_summary, write_rejected_workbooks

    console = Console(stderr=True, width=160 if not sys.stderr.isatty() else None)
    target = warehouse_path(db)
    if target.exists():
        console.print(
            f"注意：数仓 {target} 已存在，演示台账将按主键更新进去，其中原有的其他数据会保留；"
            "要得到与种子完全一致的演示数仓，请先删除该文件，或用 --db 指定一个新文件。",
            style="yellow",
        )
    generate_demo(folder, seed)
    loaded_at = AS_OF + dt.timedelta(hours=1)
    result = load_paths([folder], db=db, demo=True, clock=lambda: loaded_at)
    for stale in Path(report_dir).glob(f"*{REPORT_SUFFIX}"):  # the reports of an earlier demo run
        stale.unlink()
    write_rejected_workbooks(result, report_dir)
    print_summary(result, console)
    return result.exit_code
