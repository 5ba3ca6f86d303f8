"""The rule API: what a rule declares, what it is given, and what it returns.

Rules are pure. The clock (``as_of``), the unit's items and fetch history, and the
working-day calendar arrive in the :class:`RuleContext`; a rule touches no database
and no network. A rule is one class per file:

    class PublicationLag(Rule):
        id = "timeliness.publication_lag"
        title = "Published within 20 working days of formation"
        basis = "Regulations on Open Government Information (2019), art. 26"
        severity = Severity.MEDIUM
        applies_to = frozenset({"township", "town", "street"})

        class Params(RuleParams):
            limit_workdays: int = 20

        def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]: ...

and is registered under the entry-point group ``disclosure_monitor.rules``.
"""

from __future__ import annotations

import calendar as _stdcal
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict

__all__ = [
    "COMMON_MESSAGES",
    "ENTRY_POINT_GROUP",
    "AnnualReportView",
    "AttachmentView",
    "Calendar",
    "CalendarUnknown",
    "FeedView",
    "FetchView",
    "FindingDraft",
    "ItemVersionView",
    "ItemView",
    "Period",
    "Rule",
    "RuleContext",
    "RuleParams",
    "Said",
    "Severity",
    "UnitView",
]

ENTRY_POINT_GROUP = "disclosure_monitor.rules"


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)

    def at_least(self, other: Severity | str) -> bool:
        return self.rank >= Severity(other).rank


_SEVERITY_ORDER = list(Severity)


class CalendarUnknown(LookupError):
    """The working-day calendar has no data for this date: never guess."""

    def __init__(self, day: date) -> None:
        super().__init__(f"working-day calendar unknown for {day.isoformat()} (year {day.year})")
        self.day = day


class Calendar(Protocol):
    def is_workday(self, day: date) -> bool:
        """True on a working day. Raises CalendarUnknown outside known years."""
        ...

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        ...

    def add_workdays(self, start: date, n: int) -> date:
        """The date ``n`` working days after ``start``."""
        ...


_PERIOD_RE = re.compile(r"^(?P<y>\d{4})(?:-(?:(?P<m>\d{2})|Q(?P<q>[1-4])))?$")


@dataclass(frozen=True, order=True)
class Period:
    """A month (``2026-11``), quarter (``2026-Q4``) or year (``2026``), in local time."""

    start: date
    end: date  # inclusive
    key: str = field(compare=False)

    @property
    def kind(self) -> str:
        if "Q" in self.key:
            return "quarter"
        return "month" if "-" in self.key else "year"

    @classmethod
    def parse(cls, key: str) -> Period:
        m = _PERIOD_RE.match(key.strip())
        if not m:
            raise ValueError(f"not a period: {key!r} (use 2026-11, 2026-Q4 or 2026)")
        year = int(m["y"])
        if m["m"]:
            month = int(m["m"])
            if not 1 <= month <= 12:
                raise ValueError(f"not a month: {key!r}")
            return cls.month(year, month)
        if m["q"]:
            return cls.quarter(year, int(m["q"]))
        return cls(date(year, 1, 1), date(year, 12, 31), f"{year}")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        last = _stdcal.monthrange(year, month)[1]
        return cls(date(year, month, 1), date(year, month, last), f"{year}-{month:02d}")

    @classmethod
    def quarter(cls, year: int, q: int) -> Period:
        first = 3 * (q - 1) + 1
        last = _stdcal.monthrange(year, first + 2)[1]
        return cls(date(year, first, 1), date(year, first + 2, last), f"{year}-Q{q}")

    @classmethod
    def containing(cls, day: date, kind: str = "month") -> Period:
        if kind == "month":
            return cls.month(day.year, day.month)
        if kind == "quarter":
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        if kind == "year":
            return cls.parse(str(day.year))
        raise ValueError(f"unknown period kind {kind!r}")

    def months(self) -> list[Period]:
        return list(_months(self.start, self.end))

    def quarters(self) -> list[Period]:
        return list(_quarters(self.start, self.end))

    def keys_within(self) -> set[str]:
        """This period's key and those of every month and quarter inside it: the
        periods a finding kept on what its rule judges can belong to."""
        quarters = {q.key for q in self.quarters() if self.start <= q.start and q.end <= self.end}
        return {self.key} | {m.key for m in self.months()} | quarters

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def __str__(self) -> str:
        return self.key


# Rules ask for the months and quarters of the same few periods once per unit: at a
# province's 20,000 units that was a twentieth of a full evaluation.
@lru_cache(maxsize=4096)
def _months(start: date, end: date) -> tuple[Period, ...]:
    out, y, m = [], start.year, start.month
    while date(y, m, 1) <= end:
        out.append(Period.month(y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return tuple(out)


@lru_cache(maxsize=4096)
def _quarters(start: date, end: date) -> tuple[Period, ...]:
    seen: dict[str, Period] = {}
    for month in _months(start, end):
        q = Period.containing(month.start, "quarter")
        seen[q.key] = q
    return tuple(seen.values())


@dataclass(frozen=True)
class UnitView:
    id: int
    code: str
    name: str
    level: str  # county | town | village
    kind: str  # county | township | town | street | village | community
    parent_code: str | None = None


@dataclass(frozen=True)
class FeedView:
    id: int
    url: str
    kind: str
    category: str | None = None
    enabled: bool = True
    options: Mapping[str, Any] = field(default_factory=dict)


class FetchOutcome(StrEnum):
    """How one fetch ended: written by the crawl, read by the rules (one vocabulary)."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    HTTP_ERROR = "http_error"
    TIMEOUT = "timeout"
    NETWORK_ERROR = "network_error"
    TOO_LARGE = "too_large"
    # Refused by the network guard: the site was not probed at all.
    BLOCKED = "blocked"
    # Not sent: the request waited past crawl.max_wait_seconds for its host's turn.
    DEFERRED = "deferred"
    PARSE_ERROR = "parse_error"
    # A list page with no list found: read as a single page.
    NO_LIST = "no_list"


@dataclass(frozen=True)
class FetchView:
    feed_id: int
    url: str
    started_at: datetime
    outcome: str  # a FetchOutcome value (a StrEnum compares equal to its string)
    status: int | None = None
    duration: float = 0.0
    error: str | None = None


@dataclass(frozen=True)
class ItemVersionView:
    content_hash: str
    seen_at: datetime
    title: str = ""
    text: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)
    evidence_id: int | None = None


@dataclass(frozen=True)
class AttachmentView:
    """An attachment's text as extracted (monitor/extract), in parts with where each
    sits: ``{"where": {"sheet": "名单", "row": 3}, "text": "…"}`` (a spreadsheet row's
    cells split by tabs), ``{"page": 2}``, ``{"table": 1, "row": 4}``; or why it was
    not read (``reason``: "image: …", "too large: …", "encrypted" …)."""

    url: str
    name: str = ""
    kind: str = ""
    reason: str | None = None
    parts: tuple[Mapping[str, Any], ...] = ()
    evidence_id: int | None = None


@dataclass(frozen=True)
class ItemView:
    id: int
    feed_id: int
    key: str
    title: str
    category: str | None
    url: str | None
    formed_date: date | None
    published_date: date | None
    first_seen: datetime
    last_seen: datetime
    removed_at: datetime | None = None
    formed_text: str | None = None
    published_text: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    attachments: tuple[Mapping[str, Any], ...] = ()
    text: str = ""
    versions: tuple[ItemVersionView, ...] = ()
    feed_category: str | None = None
    attachment_texts: tuple[AttachmentView, ...] = ()


@dataclass(frozen=True)
class AnnualReportView:
    """A unit's annual disclosure report as read from its site: the year it is on, what
    it states, its sections and its tables as printed (section → row → column → text).
    ``read_error`` says why it could not be read (then the figures are empty)."""

    year: int
    title: str = ""
    url: str | None = None
    stated_year: int | None = None
    sections: tuple[str, ...] = ()
    figures: Mapping[str, Mapping[str, Mapping[str, str]]] = field(default_factory=dict)
    read_error: str | None = None
    evidence_id: int | None = None


@dataclass(frozen=True)
class RuleContext:
    unit: UnitView
    period: Period
    as_of: datetime  # aware; the clock, passed in
    calendar: Calendar
    items: tuple[ItemView, ...] = ()
    feeds: tuple[FeedView, ...] = ()
    fetches: tuple[FetchView, ...] = ()
    annual_reports: tuple[AnnualReportView, ...] = ()  # the unit's, any year
    params: Any = None  # an instance of the rule's Params


def _plain(value: Any) -> Any:
    """A parameter as stored (JSON): dates as ISO text, other objects as their text."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


# Finding messages any rule may give (``Rule.say`` finds them after its own).
COMMON_MESSAGES: Mapping[str, str] = {
    "no_data": "cannot assess {what}: no feed of this unit was read successfully yet",
}


class Said(str):
    """A finding's message: the English text (it *is* that string, so code reading
    messages as text keeps working) that also carries its code, English template and
    parameters, stored on the finding so it renders in any language later."""

    code: str
    template: str
    params: Mapping[str, Any]

    def __new__(cls, code: str, template: str, params: Mapping[str, Any] | None = None) -> Said:
        values = dict(params or {})
        try:
            text = template.format(**values)
        except (KeyError, IndexError, ValueError):
            text = template
        said = super().__new__(cls, text)
        said.code, said.template, said.params = code, template, values
        return said


@dataclass(frozen=True)
class FindingDraft:
    """What a rule reports. ``subject`` identifies the thing within the unit and
    period (an item key, a category, a column) so re-evaluation upserts it.

    ``message`` is plain English text or, better, ``self.say(code, **params)``: a
    :class:`Said` (a string too) renders in the reader's language."""

    subject: str
    message: str
    severity: Severity | None = None  # None: the rule's default
    assessable: bool = True  # False: the monitor could not assess (not the unit's fault)
    evidence: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The message in English."""
        return str(self.message)

    @property
    def code(self) -> str | None:
        return self.message.code if isinstance(self.message, Said) else None

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.message.params) if isinstance(self.message, Said) else {}


class RuleParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule:
    """Base class for rules. The class docstring is the rule's documentation page."""

    id: ClassVar[str]
    title: ClassVar[str]
    basis: ClassVar[str]
    version: ClassVar[str] = "1"
    severity: ClassVar[Severity] = Severity.MEDIUM
    applies_to: ClassVar[frozenset[str]] = frozenset(
        {"township", "town", "street", "village", "community"}
    )
    Params: ClassVar[type[RuleParams]] = RuleParams
    # What to do about a finding, and by when (shown with each alert). Marked with
    # ``N_`` from monitor.i18n (or not: an unmarked text is shown as written).
    remedy: ClassVar[str] = ""
    remedy_days: ClassVar[int] = 10
    # Code → English template of a finding message (``{name}`` fields), for ``say``.
    messages: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def say(cls, code: str, **params: Any) -> Said:
        """A finding message by CODE (a key of ``messages``) with PARAMS."""
        template = cls.messages.get(code) or COMMON_MESSAGES.get(code)
        if template is None:
            raise KeyError(f"{cls.__name__} has no message {code!r}")
        return Said(code, template, {k: _plain(v) for k, v in params.items()})

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        raise NotImplementedError

    @classmethod
    def params(cls, values: Mapping[str, Any] | None = None) -> RuleParams:
        return cls.Params(**dict(values or {}))

    @classmethod
    def doc(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")
