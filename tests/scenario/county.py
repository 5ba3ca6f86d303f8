"""A small county whose right answers we know: every intended problem is planted by
one *case* below, which also writes down what the monitor must find for it (and what it
must not). ``build_county`` runs the cases over a clean county built with the demo's
generator; the end-to-end test crawls it over HTTP and compares.

Extending it: write a function ``def case_x(county: County) -> None`` that edits the
units' items (``county.unit(code)``, ``county.add_item``) and records expectations
with ``county.expect(...)`` (a finding that must be open), ``county.trap(...)`` (a
finding that must not be) or ``county.status(...)`` (a unit's score status), then add
it to ``CASES``. Item findings are expected by the item (its page address becomes the
subject); rule-level ones by their subject (``series:财务:2026-08``, ``unit``,
``channel:<path>`` with the path on the site).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from monitor.demo import files, plan
from monitor.demo import generate as gen
from monitor.demo.district import feed_rows
from monitor.demo.model import Attachment, DemoItem, DemoUnit, District

SEED = 20261127
COUNTY = "445399000000"
AS_OF = plan.AS_OF  # 2026-11-27, after the crawl days of the demo
CRAWL_DAYS = plan.CRAWL_DAYS

# code, name, level, kind, parent
UNITS: tuple[tuple[str, str, str, str, str], ...] = (
    (COUNTY, "示范县", "county", "county", ""),
    ("445399101000", "清水镇", "town", "town", COUNTY),
    ("445399101001", "清水社区", "village", "community", "445399101000"),
    ("445399101201", "东村", "village", "village", "445399101000"),
    ("445399101202", "西村", "village", "village", "445399101000"),
    ("445399101203", "南村", "village", "village", "445399101000"),
    ("445399101204", "北村", "village", "village", "445399101000"),
    ("445399101205", "上村", "village", "village", "445399101000"),
    # Registered under a mistyped code (meant 445399101206): no feed points at it.
    ("445399101260", "下村", "village", "village", "445399101000"),
    ("445399102000", "石岭镇", "town", "town", COUNTY),
)

TOWN = "445399101000"
COMMUNITY = "445399101001"
NO_AUGUST = "445399101201"
QUARTER_IN_OCTOBER = "445399101202"
MONTHLY_ONLY = "445399101203"
NO_FEED = "445399101204"
LEAKS = "445399101205"
MISTYPED = "445399101260"
GONE_TOWN = "445399102000"
GONE_PATH = f"/u/{GONE_TOWN}/gkzl/list.html"  # a column the portal removed: 404


@dataclass(frozen=True)
class Expected:
    rule_id: str
    unit_code: str
    period: str
    subject: str  # the rule's subject; "item:" + path for item findings
    why: str = ""

    def on(self, base_url: str) -> tuple[str, str, str, str]:
        base = base_url.rstrip("/")
        subject = self.subject
        for prefix in ("item:", "channel:", "column:"):
            if subject.startswith(prefix + "/"):
                subject = prefix + base + subject.removeprefix(prefix)
        return (self.rule_id, self.unit_code, self.period, subject)


@dataclass
class County:
    district: District
    expected: list[Expected] = field(default_factory=list)
    traps: list[Expected] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)  # unit code -> score status
    leaks: list[str] = field(default_factory=list)  # item paths that carry personal data
    no_feed: set[str] = field(default_factory=set)
    feed_overrides: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def unit(self, code: str) -> DemoUnit:
        return self.district.units[code]

    def rng(self, code: str) -> random.Random:
        return random.Random(f"{SEED}:{code}:case")

    def add_item(self, code: str, **kw: Any) -> DemoItem:
        unit = self.unit(code)
        counter = gen._Counter()
        counter.n = 100 + len(unit.items)
        item = gen._new_item(unit, counter, self.rng(code), **kw)
        unit.items.append(item)
        return item

    def expect(self, rule_id: str, code: str, period: str, subject: str, why: str) -> None:
        self.expected.append(Expected(rule_id, code, period, subject, why))

    def trap(self, rule_id: str, code: str, period: str, subject: str, why: str) -> None:
        self.traps.append(Expected(rule_id, code, period, subject, why))

    def status(self, code: str, status: str) -> None:
        self.statuses[code] = status

    def feeds(self, base_url: str) -> list[dict[str, Any]]:
        rows = [
            r
            for r in feed_rows(self.district, base_url)
            if r["unit_code"] not in self.no_feed and r["unit_code"] not in self.feed_overrides
        ]
        for rows_for_unit in self.feed_overrides.values():
            rows.extend(
                {**r, "url": base_url.rstrip("/") + r["url"]} if r["url"].startswith("/") else r
                for r in rows_for_unit
            )
        return rows

    def units_csv(self) -> str:
        lines = ["code,name,level,kind,parent_code"]
        lines += [",".join(row) for row in UNITS]
        return "\n".join(lines) + "\n"


# --- the cases ---------------------------------------------------------------------------


def case_missing_august(county: County) -> None:
    """A monthly finance series missing August is reported as August (2026-08), not as
    September, the month its disclosure would have been published in."""
    unit = county.unit(NO_AUGUST)
    unit.items = [i for i in unit.items if "2026年8月财务收支" not in i.title]
    county.expect(
        "completeness.periodic_series",
        NO_AUGUST,
        "2026",
        "series:财务:2026-08",
        "August's finances never published",
    )
    county.trap(
        "completeness.periodic_series",
        NO_AUGUST,
        "2026",
        "series:财务:2026-09",
        "September's finances came in October, on time",
    )


def case_quarter_published_next_month(county: County) -> None:
    """The quarter's village affairs, published on 12 October, are the third quarter's
    and on time (the window runs to the 15th)."""
    unit = county.unit(QUARTER_IN_OCTOBER)
    q3 = (date(2026, 7, 1), date(2026, 9, 30))
    unit.items = [
        i for i in unit.items if not (i.category == "村务公开" and q3[0] <= i.published <= q3[1])
    ]
    county.add_item(
        QUARTER_IN_OCTOBER,
        category="村务公开",
        title=f"{unit.name}2026年第三季度村务公开",
        published=date(2026, 10, 12),
    )
    for rule, period, subject in (
        ("completeness.periodic_series", "2026", "series:村务:2026-Q3"),
        ("completeness.required_categories", "2026-Q3", "category:村务公开"),
    ):
        county.trap(rule, QUARTER_IN_OCTOBER, period, subject, "Q3 published 12 October")


def case_community_vocabulary(county: County) -> None:
    """A community publishes 居务公开: it counts as its 村务."""
    unit = county.unit(COMMUNITY)
    for item in unit.items:
        if item.category == "村务公开":
            item.category = "居务公开"
            item.title = item.title.replace("村务公开", "居务公开").replace("村民", "居民")
    for quarter in ("2026-Q1", "2026-Q2", "2026-Q3"):
        county.trap(
            "completeness.required_categories",
            COMMUNITY,
            quarter,
            "category:居务公开",
            "居务公开 is the community's 村务",
        )
        county.trap(
            "completeness.periodic_series",
            COMMUNITY,
            "2026",
            f"series:居务:{quarter}",
            "居务公开 is the community's 村务",
        )


def case_monthly_publisher(county: County) -> None:
    """A village that publishes once a month (finances) and once a quarter (affairs),
    always on time, is never silent, whatever its three-week gaps."""
    unit = county.unit(MONTHLY_ONLY)
    unit.items = []
    for month in range(1, 12):
        py, pm = (2025, 12) if month == 1 else (2026, month - 1)
        county.add_item(
            MONTHLY_ONLY,
            category="财务公开",
            title=f"{unit.name}{py}年{pm}月财务收支明细公开",
            published=date(2026, month, 5),
        )
    for month, (year, quarter) in ((1, (2025, 4)), (4, (2026, 1)), (7, (2026, 2)), (10, (2026, 3))):
        for category, word in (("党务公开", "党务"), ("村务公开", "村务")):
            county.add_item(
                MONTHLY_ONLY,
                category=category,
                title=f"{unit.name}{year}年第{'一二三四'[quarter - 1]}季度{word}公开",
                published=date(2026, month, 8),
            )
    for period in ("2026-10", "2026-11"):
        county.trap("timeliness.unit_silent", MONTHLY_ONLY, period, "unit", "keeps its cadence")


def case_no_feed(county: County) -> None:
    """A unit with no feed is not monitored: no score, never passed."""
    county.no_feed.add(NO_FEED)
    county.status(NO_FEED, "not_monitored")


def case_mistyped_code(county: County) -> None:
    """A unit registered under a code no feed uses (a typo): not monitored."""
    county.no_feed.add(MISTYPED)
    county.status(MISTYPED, "not_monitored")


def case_channel_gone(county: County) -> None:
    """A town whose only feed answers 404: not assessable, and the vanished channel is
    a finding against it."""
    county.unit(GONE_TOWN).items = []
    county.unit(GONE_TOWN).requests = []
    county.feed_overrides[GONE_TOWN] = [
        {
            "unit_code": GONE_TOWN,
            "url": GONE_PATH,
            "kind": "html",
            "category": "政务公开",
            "options": {"item": "ul.list > li", "link": "a", "title": "a", "date": "span.date"},
            "interval_minutes": 360,
        }
    ]
    county.status(GONE_TOWN, "not_assessable")
    county.expect(
        "availability.channel_gone",
        GONE_TOWN,
        "2026-11",
        f"channel:{GONE_PATH}",
        "its only column answers 404 all November",
    )


def case_leaked_id(county: County) -> None:
    """A 低保 list with a full resident ID number in the page text: found, masked, and the
    public report links to no page carrying it."""
    unit = county.unit(LEAKS)
    item = county.add_item(
        LEAKS,
        category="村务公开",
        title=f"{unit.name}2026年第三季度低保对象名单公示",
        published=date(2026, 11, 9),
        text=gen._allowance_list(county.rng(LEAKS), unit, masked=False),
    )
    county.leaks.append(item.path)
    county.expect(
        "privacy.personal_data", LEAKS, "2026-11", f"item:{item.path}", "full ID and mobile"
    )


def case_ids_in_cells_and_attachments(county: County) -> None:
    """Full ID numbers where inspectors most often find them: in a table cell (next to
    "2人", which must not run into it), in an attached .xlsx and in an attached .pdf.
    Each is found, named by the file, and masked; a masked spreadsheet passes."""
    unit = county.unit(LEAKS)
    rng = county.rng(f"{LEAKS}:files")

    def number() -> str:
        born = date(rng.randint(1945, 1990), rng.randint(1, 12), rng.randint(1, 28))
        return gen.resident_id(unit.code[:6], born, rng.randint(100, 999))

    table = county.add_item(
        LEAKS,
        category="村务公开",
        title=f"{unit.name}2026年10月临时救助对象公示",
        published=date(2026, 11, 10),
        text="经村民代表会议评议，以下对象拟给予临时救助：",
    )
    table.table = (("姓名", "身份证号", "家庭人数"), ("周平", number(), "2人"))
    sheet = county.add_item(
        LEAKS, category="村务公开", title=f"{unit.name}2026年度低保对象名单公示",
        published=date(2026, 11, 12), text="名单见附件。",
    )  # fmt: skip
    rows = [("序号", "姓名", "身份证号", "保障人数"), (1, "吴敏", number(), "3人")]
    sheet.attachments = [_file(sheet, 1, "低保对象名单.xlsx", files.xlsx(rows, "名单"))]
    pdf = county.add_item(
        LEAKS, category="村务公开", title=f"{unit.name}2026年度特困供养人员公示",
        published=date(2026, 11, 16), text="公示材料见附件。",
    )  # fmt: skip
    lines = [f"Tekun list: Zheng Hua ID {number()} 1 person"]
    pdf.attachments = [_file(pdf, 1, "特困供养人员.pdf", files.text_pdf(lines))]
    masked = county.add_item(
        LEAKS, category="村务公开", title=f"{unit.name}2026年度残疾人补贴名单公示",
        published=date(2026, 11, 18), text="名单见附件。",
    )  # fmt: skip
    hidden = number()[:4] + "*" * 10 + number()[-4:]
    masked.attachments = [_file(masked, 1, "补贴名单.xlsx", files.xlsx([("王刚", hidden)]))]
    for item, subject in (
        (table, f"item:{table.path}"),
        (sheet, f"item:{sheet.path}#attachment:低保对象名单.xlsx"),
        (pdf, f"item:{pdf.path}#attachment:特困供养人员.pdf"),
    ):
        county.leaks += [item.path] + [a.path for a in item.attachments]
        county.expect("privacy.personal_data", LEAKS, "2026-11", subject, "full ID number")
    county.trap(
        "privacy.personal_data", LEAKS, "2026-11",
        f"item:{masked.path}#attachment:补贴名单.xlsx", "the list is masked",
    )  # fmt: skip


def _file(item: DemoItem, n: int, name: str, body: bytes) -> Attachment:
    kind = "application/pdf" if name.endswith(".pdf") else "application/octet-stream"
    ext = name.rsplit(".", 1)[-1]
    path = f"/files/{item.unit_code}/{item.id}-{n}.{ext}"
    return Attachment(name=name, path=path, body=body, content_type=kind)


CASES: list[Callable[[County], None]] = [
    case_missing_august,
    case_quarter_published_next_month,
    case_community_vocabulary,
    case_monthly_publisher,
    case_no_feed,
    case_mistyped_code,
    case_channel_gone,
    case_leaked_id,
    case_ids_in_cells_and_attachments,
]


def _clean_district() -> District:
    rows = [
        {"code": c, "name": n, "level": lv, "kind": k, "parent_code": p} for c, n, lv, k, p in UNITS
    ]
    towns = {r["code"]: r["name"] for r in rows if r["level"] == "town"}
    units: dict[str, DemoUnit] = {}
    for row in rows:
        unit = gen._make_unit(SEED, row, towns)
        # One kind of page per unit keeps the county small; the demo covers RSS and GBK.
        unit.channel = "columns" if unit.level == "town" else "html"
        rng = gen._unit_rng(SEED, unit.code, "content")
        if unit.level == "village":
            unit.items = gen._village_items(unit, rng)
        elif unit.level == "town":
            unit.items = gen._town_items(unit, rng)
            unit.requests = gen._requests(unit, rng)
        units[unit.code] = unit
    return District(seed=SEED, county_code=COUNTY, units=units)


def build_county(cases: list[Callable[[County], None]] | None = None) -> County:
    county = County(_clean_district())
    for case in cases if cases is not None else CASES:
        case(county)
    for code, *_ in UNITS:
        county.statuses.setdefault(code, "scored")
    return county
