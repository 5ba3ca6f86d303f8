"""Deterministic content of the sample district: items, requests and faults.

One ``random.Random`` per unit, seeded from the district seed and the unit code, so a
unit's content does not shift when another unit's generation changes. The fault plan
(``monitor.demo.plan``) is applied on top of the regular rhythm.
"""

from __future__ import annotations

import csv
import hashlib
import random
from collections.abc import Iterator
from datetime import date, timedelta
from importlib import resources
from typing import Protocol

from monitor.demo import annual, plan
from monitor.demo.model import (
    TOWN_COLUMNS,
    Attachment,
    DemoItem,
    DemoRequest,
    DemoUnit,
    District,
    Edit,
)

UNITS_CSV = "yuncheng_units.csv"

# Title pools. Town titles outside 惠民政策 avoid the words the required-categories
# rule counts as 惠民 (惠民, 补贴, 救助, 低保, 社会保障, 扶贫, 帮扶), and village titles
# keep to their own category's words, so an injected gap stays a gap.
NEWS_TOPICS = (
    "防汛备汛安全检查",
    "秋季森林防火宣传",
    "人居环境整治“百日攻坚”行动",
    "安全生产大检查",
    "禁毒宣传进村居活动",
    "耕地保护专项巡查",
    "农村自建房安全排查",
    "新时代文明实践志愿服务活动",
    "消防安全培训",
    "河长制巡河工作",
    "招商引资项目洽谈会",
    "基层治理工作推进会",
    "党纪学习教育专题会",
    "燃气安全专项检查",
)
POLICY_TOPICS = (
    "安全生产治本攻坚三年行动",
    "农村人居环境整治提升",
    "防汛防旱防风应急预案",
    "耕地保护田长制",
    "森林防灭火",
    "秸秆禁烧",
    "农村供水保障",
    "村级工程项目管理",
)
WELFARE_TITLES = (
    "{y}年耕地地力保护补贴发放情况公示",
    "{y}年第{q}季度城乡低保资金发放情况",
    "{name}{y}年{m}月临时救助对象公示",
    "{y}年城乡居民医疗保险参保惠民政策解读",
    "{y}年{m}月特困人员供养金发放情况",
)
PROJECTS = (
    "云浮至阳江高速公路",
    "南江口水利枢纽配套工程",
    "城区污水管网扩建工程",
    "产业园区道路",
    "农村公路安防工程",
)
REQUEST_TOPICS = (
    "2026年城区道路改造项目招标文件",
    "土地承包经营权流转合同",
    "2025年度镇财政决算明细",
    "辖区企业环评批复文件",
    "征地补偿标准及测算依据",
    "农村宅基地审批台账",
    "河道整治工程验收报告",
)
PARTY_TITLES = (
    "{name}党支部{y}年{m}月主题党日活动情况公开",
    "{name}党支部{y}年第{q}季度党费收缴情况公示",
    "{name}党组织发展党员情况公示",
    "{name}党支部{m}月“三会一课”开展情况",
    "{name}党员积分管理情况公示",
)
AFFAIRS_TITLES = (
    "{name}{y}年{m}月村民代表会议决议公开",
    "{name}村务公开：{m}月人居环境整治工作情况",
    "{name}一事一议筹资筹劳项目公示",
    "{name}村务公开：{y}年农村建房审批情况",
    "{name}村务公开：村道硬化工程进展",
)
SURNAMES = "陈李黄梁何罗冯邓苏林谭欧"
GIVEN = ("建华", "秀英", "志强", "桂芳", "国良", "丽娟", "伟明", "少玲", "锦文", "妹")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


class _Maker(Protocol):
    def __call__(self, column: str, d: date, formed: date | None = None) -> DemoItem: ...


# --- identifiers --------------------------------------------------------------------


def resident_id(region: str, born: date, sequence: int) -> str:
    """A GB 11643 resident ID number with a correct check character."""
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    total = sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True))
    return body + _ID_CHECK[total % 11]


def org_code(digits: str) -> str:
    """A 9-character organisation code (GB 11714): 8 characters and a check."""
    total = sum(int(c) * w for c, w in zip(digits, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return digits + {10: "X", 11: "0"}.get(check, str(check))


def uscc(prefix: str, region: str, org: str) -> str:
    """An 18-character unified social credit code (GB 32100) with its check."""
    body = prefix + region + org
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


# --- calendar helpers -------------------------------------------------------------


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _months(start: date, end: date) -> Iterator[tuple[int, int]]:
    y, m = start.year, start.month
    while date(y, m, 1) <= end:
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _month_end(y: int, m: int) -> date:
    nxt = date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)
    return nxt - timedelta(days=1)


def _prev_month(y: int, m: int) -> tuple[int, int]:
    return (y - 1, 12) if m == 1 else (y, m - 1)


def _quarter(d: date) -> int:
    return (d.month - 1) // 3 + 1


def _formed_before(rng: random.Random, published: date) -> date:
    # Regular items: formed 0–7 calendar days before, so never over 20 working days.
    return published - timedelta(days=rng.randint(0, 7))


# --- units ------------------------------------------------------------------------------


def _rows() -> list[dict[str, str]]:
    text = resources.files("monitor.demo").joinpath("data").joinpath(UNITS_CSV).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def _unit_rng(seed: int, code: str, salt: str = "") -> random.Random:
    digest = hashlib.sha256(f"{seed}:{code}:{salt}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _make_unit(seed: int, row: dict[str, str], town_names: dict[str, str]) -> DemoUnit:
    code = row["code"]
    rng = _unit_rng(seed, code, "unit")
    level = row["level"]
    digits = f"{rng.randint(0, 10**8 - 1):08d}"
    if level == "village":
        channel = "rss" if rng.random() < 0.1 and code not in _fault_villages() else "html"
        town = town_names.get(row["parent_code"], "")
        publisher = f"{town}{row['name']}{'居' if row['kind'] == 'community' else '村'}民委员会"
        # Villages print either the 9-character code or the credit code: both valid.
        org = org_code(digits)
        code_for_index = org if rng.random() < 0.3 else uscc("54", code[:6], org)
    else:
        channel = "columns" if level == "town" else "html"
        suffix = "办事处" if row["kind"] == "street" else "人民政府"
        publisher = f"云浮市云城区{row['name']}{suffix}"
        code_for_index = uscc("11", code[:6], org_code(digits))
    gbk = rng.random() < 0.3
    return DemoUnit(
        code=code,
        name=row["name"],
        level=level,
        kind=row["kind"],
        parent_code=row["parent_code"] or None,
        channel=channel,
        charset="gbk" if gbk else "utf-8",
        # Some platforms only say the charset in <meta>: a third of GBK ones, a few
        # UTF-8 ones.
        charset_in_header=rng.random() >= (0.35 if gbk else 0.1),
        label_style=rng.choice((0, 0, 1, 2)),
        date_style=rng.choice((0, 0, 1)),
        publisher=publisher,
        org_code=code_for_index,
        down_from=plan.DOWN_FROM if code == plan.ANTANG else None,
    )


def _fault_villages() -> set[str]:
    return {
        plan.NO_PARTY_Q3,
        plan.NO_VILLAGE_AFFAIRS_Q3,
        plan.NO_FINANCE_SEPTEMBER,
        plan.BACKDATED,
        plan.SILENT,
        plan.DELETES,
        plan.LEAKS,
        *plan.MASKED,
    }


# --- text -------------------------------------------------------------------------------


def _paragraphs(rng: random.Random, unit: DemoUnit, title: str) -> str:
    lead = f"为进一步推进基层政务公开，{unit.name}现将“{title}”有关情况公开如下。"
    middle = rng.choice(
        (
            "本事项经集体研究决定，按规定程序办理，接受群众监督。",
            "相关工作已按计划推进，各项措施落实到位。",
            "如有疑问，请于公示期内向有关部门反映。",
        )
    )
    tail = f"联系电话：0766-88{rng.randint(10000, 99999)}。"
    return "\n".join((lead, middle, tail))


def _finance_text(rng: random.Random, unit: DemoUnit, y: int, m: int) -> str:
    income = rng.randint(20_000, 260_000)
    spend = rng.randint(15_000, income)
    return "\n".join(
        (
            f"{unit.name}{y}年{m}月收支情况如下（单位：元）：",
            f"本月收入 {income:,}.00；本月支出 {spend:,}.00；结余 {income - spend:,}.00。",
            "以上数据经村务监督委员会审核。",
        )
    )


def _allowance_list(rng: random.Random, unit: DemoUnit, masked: bool) -> str:
    lines = [f"{unit.name}{plan.LEAK_PUBLISHED.year}年第三季度低保对象名单："]
    for n in range(4):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        born = date(rng.randint(1945, 1990), rng.randint(1, 12), rng.randint(1, 28))
        number = resident_id(unit.code[:6], born, rng.randint(100, 999))
        phone = f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
        if masked or n > 0:
            number = number[:4] + "*" * 10 + number[-4:]
            phone = phone[:3] + "****" + phone[-4:]
        amount = rng.choice((480, 560, 620, 700))
        lines.append(f"{n + 1}. {name} 身份证号：{number} 联系电话：{phone} 月保障金：{amount}元")
    return "\n".join(lines)


# --- items --------------------------------------------------------------------------------


class _Counter:
    def __init__(self) -> None:
        self.n = 0

    def next(self) -> int:
        self.n += 1
        return self.n


def _index_no(unit: DemoUnit, serial: int, year: int) -> str:
    return f"{unit.org_code}/{year}-{serial:05d}"


def _new_item(
    unit: DemoUnit,
    counter: _Counter,
    rng: random.Random,
    *,
    category: str,
    title: str,
    published: date,
    column: str | None = None,
    formed: date | None = None,
    text: str | None = None,
    doc_no: str | None = None,
) -> DemoItem:
    serial = counter.next()
    return DemoItem(
        id=f"{published:%Y%m}{serial:03d}",
        unit_code=unit.code,
        column=column,
        category=category,
        title=title,
        formed=formed or _formed_before(rng, published),
        published=published,
        text=text or _paragraphs(rng, unit, title),
        publisher=unit.publisher,
        index_no=_index_no(unit, serial, published.year),
        doc_no=doc_no,
    )


def _village_items(unit: DemoUnit, rng: random.Random) -> list[DemoItem]:
    counter = _Counter()
    items: list[DemoItem] = []
    code = unit.code
    fill = {"name": unit.name}

    def title(pool: tuple[str, ...], d: date) -> str:
        return rng.choice(pool).format(y=d.year, m=d.month, q=_quarter(d), **fill)

    def finance(d: date) -> DemoItem:
        py, pm = _prev_month(d.year, d.month)
        return _new_item(
            unit,
            counter,
            rng,
            category="财务公开",
            title=f"{unit.name}{py}年{pm}月财务收支明细公开",
            published=d,
            text=_finance_text(rng, unit, py, pm),
        )

    def affairs(d: date, category: str) -> DemoItem:
        pool = PARTY_TITLES if category == "党务公开" else AFFAIRS_TITLES
        return _new_item(unit, counter, rng, category=category, title=title(pool, d), published=d)

    # Archive before the live span: finances every month (so a county that requires
    # monthly finances finds no gap), village and party affairs once a quarter.
    for month in range(1, 6):
        items.append(finance(_day(rng, date(2026, month, 3), date(2026, month, 25))))
    for start, end in (
        (date(2026, 1, 6), date(2026, 3, 25)),
        (date(2026, 4, 7), date(2026, 5, 26)),
    ):
        items.append(affairs(_day(rng, start, end), "村务公开"))
        items.append(affairs(_day(rng, start, end), "党务公开"))

    # Live: something every 9–13 days, so no gap reaches the two-week silence limit.
    days: list[date] = []
    d = plan.LIVE_START + timedelta(days=rng.randint(0, 6))
    while d <= plan.LAST_PUBLISHED:
        days.append(d)
        d += timedelta(days=rng.randint(9, 13))
    if days[-1] < date(2026, 11, 14):
        days.append(_day(rng, date(2026, 11, 15), plan.LAST_PUBLISHED))
    if code == plan.SILENT:
        days = [x for x in days if x <= plan.SILENT_AFTER]

    party_next = rng.random() < 0.5
    seen_months: set[tuple[int, int]] = set()
    for d in days:
        ym = (d.year, d.month)
        q3 = _quarter(d) == 3
        if ym not in seen_months:
            seen_months.add(ym)
            if not (code == plan.NO_FINANCE_SEPTEMBER and ym == (2026, 9)):
                items.append(finance(d))
                continue
        category = "党务公开" if party_next else "村务公开"
        party_next = not party_next
        if q3 and code == plan.NO_PARTY_Q3:
            category = "村务公开"
        elif q3 and code == plan.NO_VILLAGE_AFFAIRS_Q3:
            category = "党务公开"
        items.append(affairs(d, category))

    _attach(unit, rng, items, share=0.15)
    _village_faults(unit, rng, counter, items)
    return items


def _village_faults(
    unit: DemoUnit, rng: random.Random, counter: _Counter, items: list[DemoItem]
) -> None:
    code = unit.code
    if code == plan.LEAKS or code in plan.MASKED:
        offset = plan.MASKED.index(code) + 1 if code in plan.MASKED else 0
        d = plan.LEAK_PUBLISHED + timedelta(days=offset)
        items.append(
            _new_item(
                unit,
                counter,
                rng,
                category="村务公开",
                title=f"{unit.name}{d.year}年第三季度低保对象名单公示",
                published=d,
                text=_allowance_list(rng, unit, masked=code != plan.LEAKS),
            )
        )
    if code == plan.BACKDATED:
        item = _new_item(
            unit,
            counter,
            rng,
            category="村务公开",
            title=f"{unit.name}2026年10月村民代表会议决议公开（补发）",
            published=plan.BACKDATED_CLAIM,
        )
        item.visible_from = plan.BACKDATED_VISIBLE
        items.append(item)
    if code == plan.DELETES:
        september = [i for i in items if i.published.month == 9 and i.category != "财务公开"]
        (september or [i for i in items if i.published.month == 9])[0].deleted_on = plan.DELETED_ON


def _attach(unit: DemoUnit, rng: random.Random, items: list[DemoItem], share: float) -> None:
    for item in items:
        if rng.random() < share:
            name = f"{item.title}.pdf"
            item.attachments.append(
                Attachment(name=name, path=f"/files/{unit.code}/{item.id}-1.pdf")
            )


def _town_items(unit: DemoUnit, rng: random.Random) -> list[DemoItem]:
    counter = _Counter()
    items: list[DemoItem] = []
    code = unit.code
    abbr = unit.name[:2] + ("街办" if unit.kind == "street" else "府")
    doc_serial = _Counter()

    def doc_no(d: date) -> str:
        return f"{abbr}〔{d.year}〕{doc_serial.next()}号"

    def make(column: str, d: date, formed: date | None = None) -> DemoItem:
        category = TOWN_COLUMNS[column]
        y, m, q = d.year, d.month, _quarter(d)
        doc = None
        if column == "gzdt":
            title = f"{unit.name}开展{rng.choice(NEWS_TOPICS)}"
        elif column == "zcwj":
            title = f"关于印发《{unit.name}{rng.choice(POLICY_TOPICS)}工作方案》的通知"
            doc = doc_no(d)
        elif column == "czxx":
            py, pm = _prev_month(y, m)
            title = f"{unit.name}{py}年{pm}月财政收支情况"
        elif column == "hmzc":
            title = rng.choice(WELFARE_TITLES).format(y=y, m=m, q=q, name=unit.name)
        else:
            title = f"{unit.name}{rng.choice(PROJECTS)}征地补偿安置方案公告"
            doc = doc_no(d)
        return _new_item(
            unit, counter, rng, category=category, title=title, published=d, column=column,
            formed=formed, doc_no=doc,
        )  # fmt: skip

    # Archive: each column once in Q1 and once in April–May; the annual report.
    for start, end in (
        (date(2026, 1, 6), date(2026, 3, 25)),
        (date(2026, 4, 7), date(2026, 5, 26)),
    ):
        for column in TOWN_COLUMNS:
            items.append(make(column, _day(rng, start, end)))
    if code != plan.SILAO:
        d = _day(rng, date(2026, 1, 19), date(2026, 2, 10))
        report = _new_item(
            unit, counter, rng, category="政策文件", column="zcwj", published=d,
            title=f"{unit.name}2025年政府信息公开工作年度报告",
        )  # fmt: skip
        # The tables are in the attached .docx, as many units publish them.
        report.attachments.append(
            Attachment(
                name=f"{report.title}.docx",
                path=f"/files/{code}/{report.id}-1.docx",
                body=annual.report_docx(code, unit.name),
                content_type=annual.DOCX,
            )
        )
        items.append(report)

    # Live: news every 6–10 days; policy, finance and welfare monthly; expropriation
    # each quarter.
    d = plan.LIVE_START + timedelta(days=rng.randint(0, 4))
    last_news = plan.STALE_NEWS_AFTER if code == plan.QIANFENG else plan.LAST_PUBLISHED
    while d <= last_news:
        items.append(make("gzdt", d))
        d += timedelta(days=rng.randint(6, 10))
    newest_news = max(i.published for i in items if i.column == "gzdt")
    if code == plan.QIANFENG and newest_news < plan.STALE_NEWS_AFTER:
        items.append(make("gzdt", plan.STALE_NEWS_AFTER))
    elif code == plan.ANTANG:
        # Its last readable day: news then, so what the monitor saw is not stale.
        items.append(make("gzdt", plan.DOWN_FROM - timedelta(days=4)))
    elif code != plan.QIANFENG and newest_news < date(2026, 11, 14):
        items.append(make("gzdt", _day(rng, date(2026, 11, 15), plan.LAST_PUBLISHED)))
    for y, m in _months(plan.LIVE_START, plan.LAST_PUBLISHED):
        last = min(_month_end(y, m), plan.LAST_PUBLISHED)
        for column in ("zcwj", "czxx", "hmzc"):
            if column == "hmzc" and code == plan.NANSHENG and m in (7, 8, 9):
                continue
            items.append(make(column, _day(rng, date(y, m, 3), last)))
    for start, end in (
        (date(2026, 6, 2), date(2026, 6, 26)),
        (date(2026, 8, 3), date(2026, 8, 28)),
        (date(2026, 10, 21), date(2026, 11, 13)),
    ):
        items.append(make("zdbc", _day(rng, start, end)))

    _attach(unit, rng, [i for i in items if i.column in ("zcwj", "czxx")], share=0.3)
    _town_faults(unit, rng, items, make)
    return items


def _town_faults(unit: DemoUnit, rng: random.Random, items: list[DemoItem], make: _Maker) -> None:
    code = unit.code
    november = [i for i in items if i.published.month == 11 and i.published.year == 2026]
    if code == plan.YAOGU:
        items.append(make("zcwj", plan.LATE_YAOGU[1], formed=plan.LATE_YAOGU[0]))
        altered = make("zdbc", plan.ALTERED_PUBLISHED)
        amount = rng.randint(40, 90)
        altered.text = (
            f"{altered.text}\n本次征收土地补偿标准为每亩{amount}000元，"
            f"涉及农户{rng.randint(20, 60)}户。"
        )
        altered.edit = Edit(
            on=plan.ALTERED_ON,
            title=altered.title.replace("方案公告", "方案公告（调整）"),
            text=altered.text.replace(f"每亩{amount}000元", f"每亩{amount - 12}000元"),
        )
        items.append(altered)
    if code == plan.YUNCHENG:
        items.append(make("czxx", plan.LATE_YUNCHENG[1], formed=plan.LATE_YUNCHENG[0]))
        corrected = make("hmzc", plan.CORRECTED_PUBLISHED)
        corrected.edit = Edit(
            on=plan.CORRECTED_ON,
            title=corrected.title + "（更正）",
            text=corrected.text + "\n更正说明：原公示第3行发放金额有误，现予更正。",
        )
        items.append(corrected)
    if code == plan.GAOFENG:
        items.append(make("zcwj", plan.EDGE_GAOFENG[1], formed=plan.EDGE_GAOFENG[0]))
    if code == plan.QIANFENG:
        # Keep the town itself active (not silent) while its news column goes stale.
        items.append(make("czxx", date(2026, 11, 18)))
        for item in sorted(
            (i for i in november if i.column in ("zcwj", "czxx")), key=lambda i: i.id
        )[:2]:
            item.attachments = [
                Attachment(
                    name=f"{item.title}（附件）.pdf",
                    path=f"/files/{unit.code}/{item.id}-1.pdf",
                    broken=True,
                )
            ]
    if code == plan.NANSHENG:
        missing = make("gzdt", plan.BAD_METADATA_NO_INDEX)
        missing.index_no = None
        swapped = make("czxx", plan.BAD_METADATA_DATES[1], formed=plan.BAD_METADATA_DATES[0])
        items.extend((missing, swapped))


def _requests(unit: DemoUnit, rng: random.Random) -> list[DemoRequest]:
    out: list[DemoRequest] = []
    # One request early in June, so the requests column is never blank on a crawl day.
    received_days = sorted(
        [_day(rng, date(2026, 6, 1), date(2026, 6, 20))]
        + [_day(rng, date(2026, 6, 1), date(2026, 11, 10)) for _ in range(rng.randint(3, 6))]
    )
    specials: list[tuple[date, date | None, bool]] = []
    if unit.code == plan.SILAO:
        specials = [plan.REQUEST_UNANSWERED, plan.REQUEST_LATE, plan.REQUEST_EXTENDED]
    rows: list[tuple[date, date | None, bool]] = [
        (d, d + timedelta(days=rng.randint(3, 18)), False) for d in received_days
    ]
    rows.extend(specials)
    rows.sort(key=lambda r: r[0])
    for n, (received, answered, extended) in enumerate(rows, start=1):
        topic = rng.choice(REQUEST_TOPICS)
        out.append(
            DemoRequest(
                id=f"YSQ-{unit.code[6:9]}-{received.year}-{n:03d}",
                title=f"关于申请公开{topic}的申请",
                received=received,
                answered=answered,
                extended=extended,
                handler=unit.publisher,
                index_no=_index_no(unit, 900 + n, received.year),
            )
        )
    return out


def generate_district(seed: int = plan.SEED) -> District:
    """The whole sample district, the same for the same seed."""
    rows = _rows()
    town_names = {r["code"]: r["name"] for r in rows if r["level"] == "town"}
    units: dict[str, DemoUnit] = {}
    for row in rows:
        unit = _make_unit(seed, row, town_names)
        rng = _unit_rng(seed, unit.code, "content")
        if unit.level == "village":
            unit.items = _village_items(unit, rng)
        elif unit.level == "town":
            unit.items = _town_items(unit, rng)
            unit.requests = _requests(unit, rng)
        units[unit.code] = unit
    return District(seed=seed, county_code=plan.COUNTY, units=units)
