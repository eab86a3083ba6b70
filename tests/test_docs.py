"""The README documents every setting (from its declaration), every ledger kind and the two commands."""

from pathlib import Path

from streetdash.config import SETTINGS
from streetdash.schema import load_schemas

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_with_its_help():
    for setting in SETTINGS:
        assert f"`{setting.name}`" in README
        assert setting.help in README


def test_every_ledger_kind_and_table_is_listed():
    for kind in load_schemas().ordered():
        assert f"| {kind.title} | {kind.name} | {kind.table} |" in README


def test_the_two_commands():
    assert "make run" in README and "make test" in README
