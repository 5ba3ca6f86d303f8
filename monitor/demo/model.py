"""What the sample site serves: units, their items and requests, as plain data.

Everything here is a pure function of the seed and the simulated day, so the same
seed and day always give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# Town-level units publish through the county portal's columns (one feed each);
# villages through one "three affairs" list (党务 / 村务 / 财务 mixed).
TOWN_COLUMNS: dict[str, str] = {
    "gzdt": "工作动态",
    "zcwj": "政策文件",
    "czxx": "财政信息",
    "hmzc": "惠民政策",
    "zdbc": "征地补偿",
}
VILLAGE_CATEGORIES = ("党务公开", "村务公开", "财务公开")
REQUESTS_CATEGORY = "依申请公开"
PAGE_SIZE = 15


@dataclass(frozen=True)
class Attachment:
    name: str
    path: str  # absolute path on the site, /files/...
    broken: bool = False
    body: bytes | None = None  # served as is; None: a one-page PDF
    content_type: str = "application/pdf"


@dataclass(frozen=True)
class Edit:
    """A change made to a published item on ``on``; None keeps the old value."""

    on: date
    title: str | None = None
    text: str | None = None


@dataclass
class DemoItem:
    id: str
    unit_code: str
    column: str | None  # town column slug; None for villages
    category: str
    title: str
    formed: date
    published: date
    text: str
    publisher: str
    index_no: str | None
    doc_no: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    # Backdating: the page shows the item only from this day, whatever it claims.
    visible_from: date | None = None
    deleted_on: date | None = None
    edit: Edit | None = None
    # Rows of a table printed after the text (a list of names, say), cell by cell.
    table: tuple[tuple[str, ...], ...] = ()

    def visible_on(self, day: date) -> bool:
        start = self.visible_from or self.published
        return start <= day and (self.deleted_on is None or day < self.deleted_on)

    def title_on(self, day: date) -> str:
        if self.edit and self.edit.title and day >= self.edit.on:
            return self.edit.title
        return self.title

    def text_on(self, day: date) -> str:
        if self.edit and self.edit.text and day >= self.edit.on:
            return self.edit.text
        return self.text

    def changed_on(self, day: date) -> date:
        """The last day by ``day`` on which this item's page changed."""
        events = [self.visible_from or self.published]
        if self.edit and self.edit.on <= day:
            events.append(self.edit.on)
        if self.deleted_on and self.deleted_on <= day:
            events.append(self.deleted_on)
        return max(d for d in events if d <= day)

    @property
    def path(self) -> str:
        return f"/u/{self.unit_code}/art/{self.id}.html"


@dataclass
class DemoRequest:
    """One information-disclosure request (依申请公开) of a town."""

    id: str
    title: str
    received: date
    answered: date | None
    extended: bool
    handler: str
    index_no: str


@dataclass
class DemoUnit:
    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None
    channel: str  # columns (towns) | html | rss (villages)
    charset: str  # utf-8 | gbk
    charset_in_header: bool
    label_style: int  # 0 plain, 1 spaced labels, 2 full-width spaces
    date_style: int  # 0 2026年10月09日, 1 2026-10-09
    publisher: str
    org_code: str
    down_from: date | None = None
    items: list[DemoItem] = field(default_factory=list)
    requests: list[DemoRequest] = field(default_factory=list)

    def visible_items(self, day: date, column: str | None = None) -> list[DemoItem]:
        """Items on the list on ``day``, newest claimed date first, as platforms sort."""
        items = [
            i for i in self.items if i.visible_on(day) and (column is None or i.column == column)
        ]
        return sorted(items, key=lambda i: (i.published, i.id), reverse=True)

    def item(self, item_id: str) -> DemoItem | None:
        return next((i for i in self.items if i.id == item_id), None)

    def down_on(self, day: date) -> bool:
        return self.down_from is not None and day >= self.down_from


@dataclass
class District:
    seed: int
    county_code: str
    units: dict[str, DemoUnit]

    def towns(self) -> list[DemoUnit]:
        return [u for u in self.units.values() if u.level == "town"]

    def villages(self) -> list[DemoUnit]:
        return [u for u in self.units.values() if u.level == "village"]
