"""The generated content is deterministic and does what the scenario says it does.

These checks recompute, from the content alone, the facts each planned fault rests
on (and that every other unit is clean of it), so a change to the generator that
breaks the scenario fails here rather than in a long end-to-end run.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from monitor.calendar import load_calendar
from monitor.demo import plan
from monitor.demo.generate import generate_district, org_code, resident_id, uscc
from monitor.demo.model import TOWN_COLUMNS, DemoItem, DemoUnit, District
from monitor.settings import Settings
from rules.api import Period

VILLAGE_WORDS = {
    "党务公开": ["党务", "党建", "党组织"],
    "村务公开": ["村务", "村民会议", "村民代表", "一事一议", "惠民补贴", "重大决策"],
    "财务公开": ["财务", "收支", "村级财务", "资产", "债权债务", "收益分配"],
}
WELFARE_WORDS = ["惠民", "补贴", "救助", "低保", "社会保障", "扶贫", "帮扶"]


def _matches(item: DemoItem, words: list[str], feed_category: str | None = None) -> bool:
    return any(w in hay for w in words for hay in (item.category, item.title, feed_category or ""))


def _seen(unit: DemoUnit, day: date) -> list[DemoItem]:
    """What the monitor has read by ``day`` (down units are read up to their last day)."""
    last = day
    if unit.down_from is not None and day >= unit.down_from:
        last = max(d for d in plan.CRAWL_DAYS if d < unit.down_from)
    return [i for i in unit.items if (i.visible_from or i.published) <= last]


def test_generation_is_deterministic(district: District) -> None:
    again = generate_district()
    assert again == district
    other = generate_district(seed=1)
    assert [i.title for i in other.units[plan.YAOGU].items] != [
        i.title for i in district.units[plan.YAOGU].items
    ]


def test_identifiers_carry_valid_check_characters() -> None:
    # GB 11643's published example.
    assert resident_id("110105", date(1949, 12, 31), 2) == "11010519491231002X"
    assert org_code("00001434") == "000014349"  # DOMAIN.md's index-number example
    code = uscc("91", "350100", "M000100Y4")
    assert code == "91350100M000100Y43"


def test_district_size(district: District) -> None:
    assert len(district.towns()) == 8
    assert len(district.villages()) == 123
    for unit in district.villages():
        assert 15 <= len(unit.items) <= 28, unit.code
    total = sum(len(u.items) for u in district.units.values())
    assert total < 3700


@pytest.mark.parametrize("quarter", ["2026-Q1", "2026-Q2", "2026-Q3"])
def test_village_categories_each_quarter(district: District, quarter: str) -> None:
    period = Period.parse(quarter)
    missing = set()
    for unit in district.villages():
        items = [i for i in unit.items if i.published in period]
        for name, words in VILLAGE_WORDS.items():
            if not any(_matches(i, words) for i in items):
                missing.add((unit.code, name))
    want = (
        {(plan.NO_PARTY_Q3, "党务公开"), (plan.NO_VILLAGE_AFFAIRS_Q3, "村务公开")}
        if quarter == "2026-Q3"
        else set()
    )
    assert missing == want


def test_village_finances_every_month(district: District) -> None:
    missing = set()
    for unit in district.villages():
        for month in range(1, 12):
            period = Period.month(2026, month)
            if not any(
                _matches(i, VILLAGE_WORDS["财务公开"]) for i in unit.items if i.published in period
            ):
                missing.add((unit.code, period.key))
    # Publication months: the one planted gap (August's finances, never published in
    # September) and the silent village's last two months.
    assert missing == {
        (plan.NO_FINANCE_SEPTEMBER, "2026-09"),
        (plan.SILENT, "2026-10"),
        (plan.SILENT, "2026-11"),
    }


def test_town_welfare_gap_only_where_planned(district: District) -> None:
    missing = set()
    for unit in district.towns():
        for q in ("2026-Q1", "2026-Q2", "2026-Q3"):
            period = Period.parse(q)
            items = [i for i in unit.items if i.published in period]
            feed_category = {i.id: "惠民政策" if i.column == "hmzc" else "" for i in items}
            if not any(_matches(i, WELFARE_WORDS, feed_category[i.id]) for i in items) and not any(
                any(w in r.title for w in WELFARE_WORDS)
                for r in unit.requests
                if r.received in period
            ):
                missing.add((unit.code, q))
    assert missing == {(plan.NANSHENG, "2026-Q3")}


def test_silence_and_stale_news_only_where_planned(district: District) -> None:
    silent, stale = set(), set()
    for day in plan.CRAWL_DAYS:
        for unit in district.towns() + district.villages():
            seen = _seen(unit, day)
            newest = max(i.published for i in seen)
            if (day - newest).days > 14:
                silent.add(unit.code)
            news = [i.published for i in seen if i.column == "gzdt"]
            if news and (day - max(news)).days > 14:
                stale.add(unit.code)
    assert silent == {plan.SILENT}
    assert stale == {plan.QIANFENG}


def test_publication_lag_on_the_working_day_calendar(district: District, tmp_path) -> None:
    calendar = load_calendar(Settings(data_dir=tmp_path))
    late = {}
    for unit in district.towns():
        for item in unit.items:
            lag = calendar.workdays_between(item.formed, item.published)
            if lag > 20:
                late[(unit.code, item.formed, item.published)] = lag
    assert late == {
        (plan.YAOGU, *plan.LATE_YAOGU): 22,
        (plan.YUNCHENG, *plan.LATE_YUNCHENG): 29,
    }
    formed, published = plan.EDGE_GAOFENG
    assert (published - formed).days == 33
    assert calendar.workdays_between(formed, published) == 19


def test_requests_overdue_only_where_planned(district: District, tmp_path) -> None:
    calendar = load_calendar(Settings(data_dir=tmp_path))
    overdue = set()
    for unit in district.towns():
        for r in unit.requests:
            deadline = calendar.add_workdays(r.received, 40 if r.extended else 20)
            if deadline < plan.AS_OF and (r.answered is None or r.answered > deadline):
                overdue.add((unit.code, r.received))
    assert overdue == {
        (plan.SILAO, plan.REQUEST_UNANSWERED[0]),
        (plan.SILAO, plan.REQUEST_LATE[0]),
    }


def test_annual_reports(district: District) -> None:
    have = {
        u.code
        for u in district.towns()
        for i in u.items
        if "2025年政府信息公开工作年度报告" in i.title and i.published <= date(2026, 2, 20)
    }
    assert have == {u.code for u in district.towns()} - {plan.SILAO}


def test_other_faults_are_single(district: District) -> None:
    def units_with(predicate) -> set[str]:  # type: ignore[no-untyped-def]
        return {u.code for u in district.units.values() if any(predicate(i) for i in u.items)}

    assert units_with(lambda i: i.deleted_on) == {plan.DELETES}
    assert units_with(lambda i: i.visible_from) == {plan.BACKDATED}
    assert units_with(lambda i: i.edit) == {plan.YAOGU, plan.YUNCHENG}
    assert units_with(lambda i: any(a.broken for a in i.attachments)) == {plan.QIANFENG}
    assert units_with(lambda i: i.index_no is None) == {plan.NANSHENG}
    assert units_with(lambda i: i.published < i.formed) == {plan.NANSHENG}
    assert {u.code for u in district.units.values() if u.down_from} == {plan.ANTANG}
    backdated = next(i for i in district.units[plan.BACKDATED].items if i.visible_from)
    assert backdated.visible_from is not None
    missed = [d for d in plan.CRAWL_DAYS if backdated.published + timedelta(days=1) < d]
    assert any(d < backdated.visible_from for d in missed)


def test_only_the_leak_is_unmasked(district: District) -> None:
    full_id = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")
    mobile = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
    leaking = {
        u.code
        for u in district.units.values()
        for i in u.items
        if full_id.search(i.title_on(plan.AS_OF) + i.text_on(plan.AS_OF))
        or mobile.search(i.text_on(plan.AS_OF))
    }
    assert leaking == {plan.LEAKS}


def test_no_column_is_blank_on_any_crawl_day(district: District) -> None:
    first = plan.CRAWL_DAYS[0]
    for unit in district.towns():
        # The first crawl also judges the month before it (the evaluator's default).
        cutoff = first.replace(day=1) - timedelta(days=1)
        assert any(r.received <= cutoff for r in unit.requests), unit.code
        for column in TOWN_COLUMNS:
            assert any(i.column == column and i.published <= cutoff for i in unit.items), (
                unit.code,
                column,
            )
