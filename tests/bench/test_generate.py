"""The city-scale generator (``bench.generate.write_city_ledgers``) at a small size: every ledger in
proportion, written in chunks of at most CHUNK_ROWS rows, one file a year for the busy ledgers, and the
same files for the same seed."""

from __future__ import annotations

import datetime as dt
import filecmp

import pyarrow.csv as pa_csv
import pytest

from bench import generate
from bench.generate import PER_TASK, YEARLY, write_city_ledgers

TASKS = 20_000


def read(path):
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    return {f.name: pa_csv.read_csv(f, convert_options=pa_csv.ConvertOptions(strings_can_be_null=False)) for f in files}


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """Ledgers written in chunks of 700 rows (about three to a year of tasks), and each chunk's size."""
    sizes = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(generate, "CHUNK_ROWS", 700)
        write = generate._Ledger.write

        def counted(self, year, columns):
            sizes.append(len(next(iter(columns.values()))))
            write(self, year, columns)

        mp.setattr(generate._Ledger, "write", counted)
        files = write_city_ledgers(tmp_path_factory.mktemp("city") / "ledgers", tasks=TASKS, grids=64, seed=3)
    return files, sizes


def test_every_ledger_in_proportion_and_chunked(city):
    files, sizes = city
    assert max(sizes) <= 700
    for kind, share in {"tasks": 1, **PER_TASK}.items():
        tables = read(files[kind])
        assert files[kind].is_dir() == (kind in YEARLY)
        assert sum(t.num_rows for t in tables.values()) == max(1, int(TASKS * share)), kind
        ids = [i for t in tables.values() for i in t.column(0).to_pylist()]
        assert ids == sorted(set(ids)), kind  # unique, and in order across the files


def test_a_yearly_file_holds_its_year_in_order(city):
    files, _ = city
    tables = read(files["tasks"])
    assert [name.removesuffix(".csv") for name in tables] == [f"任务台账-{y}" for y in range(2016, 2026)]
    for name, table in tables.items():
        published = table["发布时间"].to_pylist()
        assert published == sorted(published)
        year = name.removesuffix(".csv").rpartition("-")[2]
        assert {str(p)[:4] for p in published} == {year}
    # Claims follow their tasks: each refers to a task of the same year's file.
    for year in range(2016, 2026):
        claims = read(files["task_claims"])[f"接单记录-{year}.csv"]
        tasks = tables[f"任务台账-{year}.csv"]
        assert set(claims["任务编号"].to_pylist()) <= set(tasks["任务编号"].to_pylist())
    points = read(files["points"])
    assert all(
        dt.date.fromisoformat(str(d)[:10]).year == int(name[-8:-4])
        for name, t in points.items()
        for d in t["日期"].to_pylist()
    )


def test_the_same_files_for_a_seed(city, tmp_path, monkeypatch):
    files, _ = city
    monkeypatch.setattr(generate, "CHUNK_ROWS", 700)
    again = write_city_ledgers(tmp_path / "ledgers", tasks=TASKS, grids=64, seed=3)
    comparison = filecmp.dircmp(files["tasks"].parent, again["tasks"].parent)
    assert not comparison.diff_files and not comparison.left_only and not comparison.right_only
    for sub in comparison.subdirs.values():
        assert not sub.diff_files and not sub.left_only and not sub.right_only
