"""The period a disclosure covers, read from its title or the head of its text."""

from __future__ import annotations

from datetime import date

import pytest

from rules._periods import Covered, covered_period, deadline_after

PUBLISHED = date(2026, 10, 6)


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("2026年8月财务收支公开", "2026-08"),
        ("水东村2026年08月份财务收支明细", "2026-08"),
        ("8月份财务公开", "2026-08"),
        ("八月村务公开", "2026-08"),
        ("十二月份财务公开", "2025-12"),
        ("十一月财务", "2025-11"),
        ("第三季度村务公开", "2026-Q3"),
        ("三季度党务公开", "2026-Q3"),
        ("一季度财务公开", "2026-Q1"),
        ("2025年第4季度财务公开", "2025-Q4"),
        ("2026年Q3村务公开", "2026-Q3"),
        ("7-9月财务收支", "2026-Q3"),
        ("7月至9月财务收支", "2026-Q3"),
        ("2026年7月—9月财务收支", "2026-Q3"),
        ("1-6月收支情况", "2026-H1"),
        ("上半年财务公开", "2026-H1"),
        ("2025年下半年财务公开", "2025-H2"),
        ("2026年度财务决算公开", "2026"),
        ("2026年农村建房审批情况", "2026"),
        ("1-12月收支", "2026"),
        ("8-9月财务收支", "2026-08..2026-09"),
    ],
)
def test_titles(title: str, key: str) -> None:
    covered = covered_period(title, "", PUBLISHED)
    assert covered is not None and covered.key == key


@pytest.mark.parametrize(
    "title",
    [
        "关于2026年8月15日召开村民代表会议的通知",
        "村道硬化工程进展",
        "8月1日起施行的新规",
        "",
    ],
)
def test_no_period(title: str) -> None:
    assert covered_period(title, "", PUBLISHED) is None


def test_december_published_in_january_is_the_previous_year() -> None:
    covered = covered_period("12月份财务收支公开", "", date(2027, 1, 8))
    assert covered == Covered.months(2026, 12, 12)
    assert covered_period("第四季度村务公开", "", date(2027, 1, 10)).key == "2026-Q4"  # type: ignore[union-attr]
    # Without a publication day a period without a year cannot be placed.
    assert covered_period("12月份财务收支公开") is None


def test_the_text_when_the_title_says_nothing() -> None:
    text = "水东村2026年8月收支情况如下（单位：元）：本月收入 3,000.00"
    assert covered_period("财务收支公开", text, date(2026, 9, 6)).key == "2026-08"  # type: ignore[union-attr]
    # A date the text merely mentions is no period.
    assert covered_period("通知", "根据2026年8月省厅通知要求，现将有关事项", PUBLISHED) is None
    # The title wins over the text.
    assert covered_period("9月份财务", text, PUBLISHED).key == "2026-09"  # type: ignore[union-attr]


def test_deadline_after() -> None:
    assert deadline_after(date(2026, 8, 31), 15) == date(2026, 9, 15)
    assert deadline_after(date(2026, 12, 31), 15) == date(2027, 1, 15)
    assert deadline_after(date(2026, 1, 31), 31) == date(2026, 2, 28)
    assert Covered.months(2026, 7, 9).deadline(10) == date(2026, 10, 10)


def test_within() -> None:
    aug = Covered.months(2026, 8, 8)
    assert aug.within(date(2026, 7, 1), date(2026, 9, 30))
    assert not aug.within(date(2026, 9, 1), date(2026, 9, 30))
