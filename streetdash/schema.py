"""Ledger schemas, read from ``schemas.toml``: the one description of every ledger kind."""

from __future__ import annotations

import dataclasses
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

SCHEMA_FILE = Path(__file__).with_name("schemas.toml")

# Types whose raw value is personal information: never stored, never echoed in reports.
PII_TYPES = {"person", "person_list", "id_number", "phone"}
# Types that hold words as people write them. ID and mobile numbers typed into them are masked at load time
# (except in a kind's code, see ``Kind.free_text_fields``).
FREE_TEXT_TYPES = {"text", "list"}
_BRACKETED = re.compile(r"[（(【\[].*?[)）】\]]")


def normalise_header(text: str) -> str:
    """Header as compared: NFKC, no spaces, no ``*``, no bracketed units (``招聘人数（人）`` -> ``招聘人数``)."""
    text = unicodedata.normalize("NFKC", str(text))
    text = _BRACKETED.sub("", text)
    return re.sub(r"[\s*]", "", text).lower()


def normalise_token(text: str) -> str:
    """An enum value or alias as compared: NFKC, no spaces, lower case."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", str(text))).lower()


@dataclass(frozen=True)
class Enum:
    name: str
    values: tuple[str, ...]
    synonyms: dict[str, str]
    other: bool = False

    def lookup(self) -> dict[str, str]:
        """Normalised token -> canonical value, for every value and synonym."""
        table = {normalise_token(v): v for v in self.values}
        table.update({normalise_token(k): v for k, v in self.synonyms.items()})
        return table


@dataclass(frozen=True)
class Field:
    name: str
    header: str
    type: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    enum: str | None = None
    min: float | None = None
    max: float | None = None
    reason: str | None = None
    ref: str | None = None
    same_community: bool = False
    unit: str | None = None
    id_field: str | None = None

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.header, *self.synonyms)

    @property
    def is_pii(self) -> bool:
        return self.type in PII_TYPES


@dataclass(frozen=True)
class Rule:
    check: str
    column: str
    reason: str


@dataclass(frozen=True)
class Kind:
    name: str
    title: str
    table: str
    order: int
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...] = ()
    unique: tuple[dict, ...] = ()
    derived_key: dict | None = None
    geometry: bool = False  # a boundary kind: rows come from GIS files and carry a WKB ``geometry``

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def header_map(self) -> dict[str, str]:
        """Normalised header or synonym -> field name."""
        out: dict[str, str] = {}
        for f in self.fields:
            for h in f.headers:
                out.setdefault(normalise_header(h), f.name)
        return out

    @property
    def required_fields(self) -> list[Field]:
        return [f for f in self.fields if f.required]

    @property
    def code_fields(self) -> set[str]:
        """Fields that hold a record's code (任务编号, 社区编码): a one-field key, or the derived key."""
        codes = set(self.key) if len(self.key) == 1 else set()
        if self.derived_key:
            codes.add(self.derived_key["field"])
        return codes

    @property
    def free_text_fields(self) -> list[Field]:
        """Text and list fields other than codes: where ID and mobile numbers typed by hand are masked.

        A composite key made of names (a campaign's 领题项目 and 指标名称) is free text too: masking is
        deterministic, so the key stays the same from load to load.
        """
        return [f for f in self.fields if f.type in FREE_TEXT_TYPES and f.name not in self.code_fields]


@dataclass(frozen=True)
class Schemas:
    kinds: dict[str, Kind]
    enums: dict[str, Enum] = field(default_factory=dict)

    def ordered(self) -> list[Kind]:
        return sorted(self.kinds.values(), key=lambda k: k.order)

    def ledgers(self) -> list[Kind]:
        """The kinds kept as spreadsheets (everything but boundaries), in load order."""
        return [k for k in self.ordered() if not k.geometry]

    def boundaries(self) -> list[Kind]:
        """The kinds read from GIS files (GeoJSON, Shapefile, GeoPackage)."""
        return [k for k in self.ordered() if k.geometry]

    def by_table(self, table: str) -> Kind:
        return next(k for k in self.kinds.values() if k.table == table)

    def with_header_aliases(self, aliases: dict[str, dict[str, str]]) -> Schemas:
        """These schemas with more headers for some fields: ``{kind: {header: field}}``, the column names
        a street's own ledgers use that the schema does not know (saved from the upload page).
        Unknown kinds and fields are ignored."""
        kinds = dict(self.kinds)
        for kind_name, headers in aliases.items():
            kind = kinds.get(kind_name)
            if kind is None:
                continue
            extra: dict[str, list[str]] = {}
            for header, field_name in headers.items():
                extra.setdefault(field_name, []).append(header)
            fields = tuple(
                dataclasses.replace(f, synonyms=(*f.synonyms, *extra[f.name])) if f.name in extra else f
                for f in kind.fields
            )
            kinds[kind_name] = dataclasses.replace(kind, fields=fields)
        return Schemas(kinds, self.enums)


def _enum_values(entry: dict) -> list[str]:
    if entry.get("values_from") == "metric_catalogue":
        from streetdash.catalogue import load_catalogue  # not via streetdash.metrics, which imports pandas

        return list(load_catalogue())
    return entry["values"]


@cache
def load_schemas(path: Path = SCHEMA_FILE) -> Schemas:
    """Parse ``schemas.toml`` into :class:`Schemas`, checking its internal references."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    enums = {
        name: Enum(name, tuple(_enum_values(e)), dict(e.get("synonyms", {})), bool(e.get("other", False)))
        for name, e in raw["enums"].items()
    }
    kinds = {}
    for name, k in raw["kinds"].items():
        fields = tuple(Field(**{**f, "synonyms": tuple(f.get("synonyms", ()))}) for f in k["fields"])
        kind = Kind(
            name=name,
            title=k["title"],
            table=k["table"],
            order=k["order"],
            key=tuple(k["key"]),
            fields=fields,
            rules=tuple(Rule(**r) for r in k.get("rules", ())),
            unique=tuple(k.get("unique", ())),
            derived_key=k.get("derived_key"),
            geometry=bool(k.get("geometry", False)),
        )
        for f in fields:
            if f.type == "enum" and f.enum not in enums:
                raise ValueError(f"{name}.{f.name}: unknown enum {f.enum}")
            if f.type == "ref" and f.ref not in raw["kinds"]:
                raise ValueError(f"{name}.{f.name}: unknown reference {f.ref}")
        kinds[name] = kind
    return Schemas(kinds, enums)
