"""The faults the sample district is built with: which unit has which, and when.

``generate`` reads this plan to shape the content; ``scenario`` turns it into the
expected findings. Codes are real 12-digit codes of 云城区 (see data/CREDITS.md).
"""

from __future__ import annotations

from datetime import date

SEED = 445302
COUNTY = "445302000000"

# The site's content runs from the archive (January, so the year's closed quarters
# and the annual report can be judged) to the last crawl day.
ARCHIVE_START = date(2026, 1, 5)
LIVE_START = date(2026, 6, 1)
LAST_PUBLISHED = date(2026, 11, 24)

# The monitor's simulated crawls: monthly, then daily in the last week so the
# availability rule has its 20 probes in 7 days.
CRAWL_DAYS: tuple[date, ...] = (
    date(2026, 7, 1),
    date(2026, 8, 3),
    date(2026, 9, 1),
    date(2026, 10, 9),
    date(2026, 11, 2),
    date(2026, 11, 16),
    *(date(2026, 11, d) for d in range(21, 28)),
)
AS_OF = date(2026, 11, 27)

# --- towns -------------------------------------------------------------------------
YUNCHENG = "445302001000"  # 云城街道: one late item; one edit with a correction notice
GAOFENG = "445302002000"  # 高峰街道: on time only when the October holiday is counted
HEKOU = "445302003000"  # 河口街道: clean
ANTANG = "445302004000"  # 安塘街道: portal down from 2026-11-20
YAOGU = "445302102000"  # 腰古镇: one late item; one silent edit
SILAO = "445302103000"  # 思劳镇: requests answered late; no annual report
QIANFENG = "445302105000"  # 前锋镇: 工作动态 column stale; broken attachments
NANSHENG = "445302106000"  # 南盛镇: no 惠民政策 in Q3; bad metadata
# 南盛镇's annual report on 2025 (a .docx attachment) has tables that do not add up.
ANNUAL_INCONSISTENT = NANSHENG

DOWN_FROM = date(2026, 11, 20)

# (formed, published) of the late items and of the holiday edge case.
LATE_YAOGU = (date(2026, 9, 29), date(2026, 11, 4))  # 22 working days
LATE_YUNCHENG = (date(2026, 10, 12), date(2026, 11, 20))  # 29 working days
EDGE_GAOFENG = (date(2026, 9, 30), date(2026, 11, 2))  # 33 days, 19 working days

ALTERED_PUBLISHED = date(2026, 10, 20)
ALTERED_ON = date(2026, 11, 18)
CORRECTED_PUBLISHED = date(2026, 10, 16)
CORRECTED_ON = date(2026, 11, 10)

STALE_NEWS_AFTER = date(2026, 11, 5)  # 前锋镇's last 工作动态

# 思劳镇's requests: (received, answered, extended)
REQUEST_UNANSWERED = (date(2026, 10, 9), None, False)  # due 2026-11-05
REQUEST_LATE = (date(2026, 10, 15), date(2026, 11, 20), False)  # due 2026-11-12
REQUEST_EXTENDED = (date(2026, 10, 12), date(2026, 11, 25), True)  # due in December

BAD_METADATA_NO_INDEX = date(2026, 11, 11)
BAD_METADATA_DATES = (date(2026, 11, 12), date(2026, 11, 10))  # formed after published

# --- villages ------------------------------------------------------------------------
NO_PARTY_Q3 = "445302102202"  # 水东村: no 党务公开 in 2026-Q3
NO_VILLAGE_AFFAIRS_Q3 = "445302103201"  # no 村务公开 in 2026-Q3
# Publishes no 财务公开 in 2026-09: the finances missing are August's (each month's
# disclosure covers the month before), reported as 2026-08.
NO_FINANCE_SEPTEMBER = "445302105201"
BACKDATED = "445302106201"  # claims 2026-11-03, on the list only from 2026-11-18
BACKDATED_CLAIM = date(2026, 11, 3)
BACKDATED_VISIBLE = date(2026, 11, 18)
# Nothing after 2026-09-30: under the county's monthly cadence (finances monthly from
# June) September's and October's disclosures never come, so the village is silent.
# (Three quiet weeks alone are not silence for a village: Organic Law art. 30.)
SILENT = "445302002201"
SILENT_AFTER = date(2026, 9, 30)
DELETES = "445302003201"  # takes down a September item on 2026-11-19
DELETED_ON = date(2026, 11, 19)
LEAKS = "445302004201"  # 低保 list with a full ID number and a mobile number
LEAK_PUBLISHED = date(2026, 11, 9)
MASKED = ("445302004202", "445302106202")  # the same kind of list, masked
