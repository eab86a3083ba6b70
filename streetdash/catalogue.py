"""The metric catalogue (``metrics.toml``): each metric's name, unit, 口径说明, direction and format.

Data only, and light: read by the metrics layer (``streetdash.metrics``), the scheme files of the
assessment (``streetdash.schemes``, which the loader reads at every load) and the ledger schema.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOGUE_FILE = Path(__file__).with_name("metrics.toml")
DIRECTIONS = ("higher", "lower", "neutral")
FORMATS = ("count", "rate", "days", "ratio", "points")
MISSING = "—"  # how a number without a value is written, everywhere


@dataclass(frozen=True)
class Metric:
    """One entry of the metric catalogue (``metrics.toml``)."""

    key: str  # tasks.closure_rate
    name: str  # 办结率
    unit: str  # %
    definition: str  # the 口径说明
    direction: str  # higher | lower | neutral: which way is better
    format: str  # count | rate | days | ratio | points
    column: str  # tasks_closure_rate: the column of the metric macros
    grid: bool = False  # also computed per grid (grid_metrics macro): a colouring of the grid map

    def __post_init__(self) -> None:
        if self.column != self.key.replace(".", "_"):
            raise ValueError(f"metrics.toml: {self.key}: column must be {self.key.replace('.', '_')}")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"metrics.toml: {self.key}: direction must be one of {DIRECTIONS}")
        if self.format not in FORMATS:
            raise ValueError(f"metrics.toml: {self.key}: format must be one of {FORMATS}")

    @property
    def label(self) -> str:
        """The name with its unit where the name does not already say it: 发布任务数（件）."""
        if self.format == "rate" or self.unit in self.name:
            return self.name
        return f"{self.name}（{self.unit}）"


@cache
def load_catalogue(path: Path = CATALOGUE_FILE) -> dict[str, Metric]:
    """The metric catalogue: metric key -> :class:`Metric`, in catalogue order.

    Raises ``ValueError`` when an entry has an unknown direction or format, or a column that is not
    its key with dots as underscores.
    """
    entries = tomllib.loads(path.read_text(encoding="utf-8"))["metric"]
    return {e["key"]: Metric(**e) for e in entries}


def grid_level() -> list[Metric]:
    """The metrics the grid map can colour grids by (catalogue entries with ``grid = true``)."""
    return [m for m in load_catalogue().values() if m.grid]


def by_column() -> dict[str, Metric]:
    """The catalogue keyed by macro column (``tasks_closure_rate``)."""
    return {m.column: m for m in load_catalogue().values()}


def metric(key_or_column: str) -> Metric:
    """The catalogue entry of a metric key (``tasks.closure_rate``) or column (``tasks_closure_rate``)."""
    catalogue = load_catalogue()
    return catalogue.get(key_or_column) or by_column()[key_or_column]
