"""The unit registry: administrative units and their disclosure feeds, imported from files.

Units come from a CSV of statistical division codes (统计用区划代码):
``code,name,level,kind,parent_code``. Only ``code`` and ``name`` are required; the
level follows from the code's zero tail (6 digits county, 3 town, 3 village) and the
kind from the name's suffix (镇, 乡, 街道, 村, 社区 …), the parent from the code.

Feeds come from a CSV or YAML file: ``unit_code,url,kind,category,options,
interval_minutes`` (``options`` is JSON text in a CSV, a mapping in YAML).

Both imports upsert on natural keys (unit code; unit + URL), so importing the same
file twice changes nothing, and both reject a bad row with an error naming the file
and line, before anything is written.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.feed_options import OPTIONS_BY_KIND, check_options
from monitor.store.models import KINDS, LEVELS, Feed, Unit

__all__ = [
    "FEED_KINDS",
    "FeedRow",
    "RegistryError",
    "UnitRow",
    "UnitSummary",
    "derive_kind",
    "derive_level",
    "feed_row",
    "import_feeds",
    "import_units",
    "list_feeds",
    "list_units",
    "normalise_code",
    "parent_code_of",
    "read_feed_rows",
    "read_unit_rows",
    "save_feed",
    "upsert_units",
]

FEED_KINDS = ("rss", "atom", "html", "json")
KINDS_BY_LEVEL: dict[str, tuple[str, ...]] = {
    "county": ("county",),
    "town": ("township", "town", "street"),
    "village": ("village", "community"),
}
DEFAULT_INTERVAL_MINUTES = 360

# Checked in order, longer suffixes before the shorter ones they end with; the
# statistical names (…村民委员会, …社区居民委员会) and the short ones (…村, …社区) both work.
_TOWN_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("街道办事处", "street"),
    ("街道", "street"),
    ("镇", "town"),
    ("乡", "township"),
    ("苏木", "township"),
)
_VILLAGE_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("社区居民委员会", "community"),
    ("居民委员会", "community"),
    ("居委会", "community"),
    ("社区", "community"),
    ("村民委员会", "village"),
    ("村委会", "village"),
    ("嘎查", "village"),
    ("村", "village"),
)


class RegistryError(ValueError):
    """A row of a units or feeds file that cannot be imported; names the file and line."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {message}")
        self.source = source
        self.line = line
        self.message = message


# --- pure derivations ---------------------------------------------------------------


def normalise_code(code: str) -> str:
    """A statistical code padded to 12 digits (``445302`` → ``445302000000``)."""
    code = code.strip()
    if not code.isdigit() or len(code) not in (6, 9, 12):
        raise ValueError(f"code {code!r} is not a 6-, 9- or 12-digit statistical division code")
    return code.ljust(12, "0")


def derive_level(code: str) -> str:
    """County, town or village, from which part of the 12-digit code is non-zero."""
    code = normalise_code(code)
    if code[6:] == "000000":
        if code[4:6] == "00":
            raise ValueError(f"code {code} is a province or city, not a county-level unit")
        return "county"
    if code[9:] == "000":
        return "town"
    return "village"


def derive_kind(name: str, level: str) -> str:
    """The unit kind from the name's suffix; raises ValueError when it cannot tell."""
    name = name.strip()
    if level == "county":
        return "county"
    suffixes = _TOWN_SUFFIXES if level == "town" else _VILLAGE_SUFFIXES
    for suffix, kind in suffixes:
        if name.endswith(suffix):
            return kind
    raise ValueError(f"cannot tell the kind of {level} {name!r} from its name; give a kind column")


def parent_code_of(code: str) -> str | None:
    """The parent implied by the code: a village's town, a town's county."""
    code = normalise_code(code)
    level = derive_level(code)
    if level == "village":
        return code[:9] + "000"
    if level == "town":
        return code[:6] + "000000"
    return None


# --- rows -----------------------------------------------------------------------------


class UnitRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None = None
    line: int | None = None


OPTIONS_MISFIT = "options of a"


def _options_by_kind(schema: dict[str, Any]) -> None:
    """The published schema says which options each kind takes (feed_options.py), so
    a client (and schemathesis) can build a valid feed from the schema alone."""
    schema["anyOf"] = [
        {
            "properties": {
                "kind": {"const": kind},
                "options": OPTIONS_BY_KIND[kind].model_json_schema(),
            }
        }
        for kind in FEED_KINDS
    ]


class FeedRow(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_options_by_kind)

    # The constraints are stated in the model's JSON schema too (the API publishes it);
    # the validators below first normalise what a file may hold ("RSS", a 6-digit code).
    unit_code: str = Field(pattern=r"^[0-9]{6}([0-9]{3}){0,2}$")
    # Bounded as the columns are: PostgreSQL refuses longer text, and an int4 overflows.
    url: str = Field(max_length=2000, pattern=r"^https?://")
    kind: Literal["rss", "atom", "html", "json"]
    category: str | None = Field(None, max_length=100)
    options: dict[str, Any] = Field(default_factory=dict)
    interval_minutes: int = Field(DEFAULT_INTERVAL_MINUTES, gt=0, le=525_600)
    enabled: bool = True

    @field_validator("unit_code", mode="before")
    @classmethod
    def _code(cls, value: Any) -> Any:
        return normalise_code(str(value)) if isinstance(value, str | int) else value

    @field_validator("url", mode="before")
    @classmethod
    def _url(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"url {value!r} must start with http:// or https://")
        return value

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = value.strip().lower()
        if value not in FEED_KINDS:
            raise ValueError(f"kind {value!r} is not one of {', '.join(FEED_KINDS)}")
        return value

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: Any) -> Any:
        return None if value in ("", None) else value

    @field_validator("options", mode="before")
    @classmethod
    def _options(cls, value: Any) -> Any:
        if value in ("", None):
            return {}
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"options is not valid JSON: {exc}") from exc
        return value

    @field_validator("interval_minutes", mode="before")
    @classmethod
    def _interval(cls, value: Any) -> Any:
        return DEFAULT_INTERVAL_MINUTES if value in ("", None) else value

    @model_validator(mode="after")
    def _options_fit_kind(self) -> FeedRow:
        try:
            self.options = check_options(self.kind, self.options)
        except ValidationError as exc:
            wrong = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise ValueError(f"{OPTIONS_MISFIT} {self.kind} feed: {wrong}") from None
        return self


def _unit_row(raw: dict[str, Any], line: int | None = None) -> UnitRow:
    code = normalise_code(str(raw.get("code") or ""))
    name = str(raw.get("name") or "").strip()
    if not name:
        raise ValueError("name is empty")
    level = (raw.get("level") or "").strip() or derive_level(code)
    if level not in LEVELS:
        raise ValueError(f"level {level!r} is not one of {', '.join(LEVELS)}")
    if level != derive_level(code):
        raise ValueError(f"level {level!r} contradicts code {code} ({derive_level(code)})")
    kind = (raw.get("kind") or "").strip() or derive_kind(name, level)
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    if kind not in KINDS_BY_LEVEL[level]:
        raise ValueError(
            f"kind {kind!r} is not a {level} kind ({', '.join(KINDS_BY_LEVEL[level])})"
        )
    parent = (raw.get("parent_code") or "").strip()
    parent_code = normalise_code(parent) if parent else parent_code_of(code)
    return UnitRow(code=code, name=name, level=level, kind=kind, parent_code=parent_code, line=line)


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'row'}: "
            + str(err["msg"]).removeprefix("Value error, ")
            for err in exc.errors()
        )
    return str(exc)


def read_unit_rows(text: str, source: str = "<units>") -> list[UnitRow]:
    """Parse and check a units CSV; raises RegistryError naming the first bad line."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = {"code", "name"} - set(header)
    if missing:
        raise RegistryError(source, 1, f"missing column(s): {', '.join(sorted(missing))}")
    rows: list[UnitRow] = []
    seen: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        clean = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k}
        if not any(clean.values()):
            continue
        try:
            row = _unit_row(clean, line)
        except (ValueError, ValidationError) as exc:
            raise RegistryError(source, line, _describe(exc)) from exc
        if row.code in seen:
            raise RegistryError(source, line, f"code {row.code} repeats line {seen[row.code]}")
        seen[row.code] = line
        rows.append(row)
    return rows


def _csv_feed_records(text: str) -> Iterable[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    for raw in reader:
        clean = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k}
        if any(clean.values()):
            yield reader.line_num, clean


def _yaml_feed_records(text: str, source: str) -> Iterable[tuple[int, dict[str, Any]]]:
    # Compose first so each entry keeps its line number for error messages.
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise RegistryError(source, None, f"not valid YAML: {exc}") from exc
    if root is None:
        return
    if isinstance(root, yaml.MappingNode):
        feeds = [v for k, v in root.value if k.value == "feeds"]
        if not feeds:
            raise RegistryError(source, root.start_mark.line + 1, "expected a list or 'feeds:'")
        root = feeds[0]
    if not isinstance(root, yaml.SequenceNode):
        raise RegistryError(source, root.start_mark.line + 1, "expected a list of feeds")
    for node in root.value:
        line = node.start_mark.line + 1
        value = yaml.SafeLoader("").construct_document(node)
        if not isinstance(value, dict):
            raise RegistryError(source, line, "each feed must be a mapping")
        yield line, value


def read_feed_rows(
    text: str, source: str = "<feeds>", *, yaml_format: bool = False
) -> list[tuple[int, FeedRow]]:
    """Parse and check a feeds file; returns (line, row) pairs."""
    records = _yaml_feed_records(text, source) if yaml_format else _csv_feed_records(text)
    out: list[tuple[int, FeedRow]] = []
    for line, raw in records:
        try:
            out.append((line, FeedRow.model_validate(raw)))
        except (ValueError, ValidationError) as exc:
            raise RegistryError(source, line, _describe(exc)) from exc
    return out


# --- store ------------------------------------------------------------------------------


def _units_by_code(session: Session, codes: Iterable[str]) -> dict[str, Unit]:
    wanted = sorted(set(codes))
    found: dict[str, Unit] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for unit in session.scalars(select(Unit).where(Unit.code.in_(chunk))):
            found[unit.code] = unit
    return found


def upsert_units(session: Session, rows: Sequence[UnitRow], source: str = "<units>") -> int:
    """Insert or update units; parents may come from the same rows or the store."""
    order = {"county": 0, "town": 1, "village": 2}
    rows = sorted(rows, key=lambda r: (order[r.level], r.code))
    known = _units_by_code(session, [r.code for r in rows] + [r.parent_code or "" for r in rows])
    for row in rows:
        parent = None
        if row.parent_code:
            parent = known.get(row.parent_code)
            # A county's parent (the city) is rarely registered; others need theirs.
            if parent is None and row.level != "county":
                raise RegistryError(
                    source,
                    row.line,
                    f"parent {row.parent_code} of {row.code} {row.name} is neither in the "
                    "file nor registered",
                )
        unit = known.get(row.code)
        if unit is None:
            unit = Unit(code=row.code, name=row.name, level=row.level, kind=row.kind)
            session.add(unit)
            known[row.code] = unit
        unit.name, unit.level, unit.kind = row.name, row.level, row.kind
        unit.parent = parent
    session.flush()
    return len(rows)


def import_units(session: Session, path: str | Path) -> int:
    """Import a units CSV (``code,name[,level,kind,parent_code]``); returns rows imported.

    Upserts on the code. Does not commit: the caller owns the transaction.
    """
    path = Path(path)
    rows = read_unit_rows(path.read_text(encoding="utf-8-sig"), str(path))
    return upsert_units(session, rows, str(path))


def import_feeds(session: Session, path: str | Path) -> int:
    """Import feeds from CSV or YAML (by suffix); returns rows imported.

    Upserts on (unit, URL). Unknown units are an error naming the line. Does not commit.
    """
    path = Path(path)
    source = str(path)
    rows = read_feed_rows(
        path.read_text(encoding="utf-8-sig"),
        source,
        yaml_format=path.suffix.lower() in (".yaml", ".yml"),
    )
    units = _units_by_code(session, [row.unit_code for _, row in rows])
    for line, row in rows:
        if row.unit_code not in units:
            raise RegistryError(source, line, f"unit {row.unit_code} is not registered")
    unit_ids = sorted(u.id for u in units.values())
    existing: dict[tuple[int, str], Feed] = {}
    for start in range(0, len(unit_ids), 500):
        chunk = unit_ids[start : start + 500]
        for feed in session.scalars(select(Feed).where(Feed.unit_id.in_(chunk))):
            existing[(feed.unit_id, feed.url)] = feed
    for _line, row in rows:
        unit = units[row.unit_code]
        found = existing.get((unit.id, row.url))
        existing[(unit.id, row.url)] = save_feed(session, row, unit, found)
    session.flush()
    return len(rows)


def save_feed(session: Session, row: FeedRow, unit: Unit, feed: Feed | None = None) -> Feed:
    """Write a checked feed row onto ``feed`` (a new feed when None): the one place a
    feed's configuration is stored, for the import and the API alike."""
    if feed is None:
        feed = Feed(unit_id=unit.id, url=row.url)
        session.add(feed)
    feed.unit_id = unit.id
    feed.url = row.url
    feed.kind = row.kind
    feed.category = row.category
    feed.options = row.options
    feed.interval_minutes = row.interval_minutes
    feed.enabled = row.enabled
    return feed


def feed_row(feed: Feed, unit_code: str, **changes: Any) -> FeedRow:
    """A stored feed as a row, with CHANGES applied, checked like a file's row
    (raises pydantic's ValidationError)."""
    current = {
        "unit_code": unit_code,
        "url": feed.url,
        "kind": feed.kind,
        "category": feed.category,
        "options": feed.options,
        "interval_minutes": feed.interval_minutes,
        "enabled": feed.enabled,
    }
    return FeedRow.model_validate({**current, **changes})


def list_units(
    session: Session, parent_code: str | None = None, *, recursive: bool = True
) -> list[Unit]:
    """All units ordered by code; with ``parent_code``, that unit's subtree below it
    (or only its children when ``recursive`` is false)."""
    if parent_code is None:
        return list(session.scalars(select(Unit).order_by(Unit.code)))
    code = normalise_code(parent_code)
    parent = session.scalar(select(Unit).where(Unit.code == code))
    if parent is None:
        raise LookupError(f"no unit with code {code}")
    out: list[Unit] = []
    frontier = [parent.id]
    while frontier:
        children = list(session.scalars(select(Unit).where(Unit.parent_id.in_(frontier))))
        out.extend(children)
        frontier = [c.id for c in children] if recursive else []
    return sorted(out, key=lambda u: u.code)


def list_feeds(session: Session, unit_code: str | None = None) -> list[Feed]:
    """Feeds ordered by unit code and URL, optionally for one unit only."""
    query = select(Feed).join(Unit).order_by(Unit.code, Feed.url)
    if unit_code is not None:
        query = query.where(Unit.code == normalise_code(unit_code))
    return list(session.scalars(query))


@dataclass(frozen=True)
class UnitSummary:
    """What ``units list --json`` prints for one unit."""

    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None
    feeds: int

    @classmethod
    def of(cls, unit: Unit) -> UnitSummary:
        return cls(
            code=unit.code,
            name=unit.name,
            level=unit.level,
            kind=unit.kind,
            parent_code=unit.parent.code if unit.parent else None,
            feeds=len(unit.feeds),
        )
