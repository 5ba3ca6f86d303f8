"""The labels of a disclosure's metadata (索引号, 发布机构 …) in all their spellings.

Platforms print them spaced (``索 引 号``), padded with full-width, en or em
spaces (``文　　号``, ``索&ensp;引&ensp;号``), with or without a colon, in brackets
(``【索引号】``); the category under any label ending in 分类 (主题分类, 信息分类,
组配分类, 体裁分类 …). Each spelling maps to one key of ``Item.meta``.
"""

from __future__ import annotations

import re

from monitor.parse.structure import DATE_IN_TEXT

# Printed label (spaces removed) -> Item.meta key (the crawl contract's names).
LABELS: dict[str, str] = {
    "索引号": "index_no",
    "索引": "index_no",
    "信息索引号": "index_no",
    "索取号": "index_no",
    "名称": "title",
    "标题": "title",
    "文件名称": "title",
    "信息名称": "title",
    # The common 分类 labels by name, so one may follow its value with no space;
    # any other label ending in 分类 is a category too (after a space).
    "主题分类": "category",
    "信息分类": "category",
    "组配分类": "category",
    "体裁分类": "category",
    "公开分类": "category",
    "所属分类": "category",
    "服务对象分类": "category",
    "公开类别": "category",
    "信息类别": "category",
    "所属类别": "category",
    "类别": "category",
    "发布机构": "publisher",
    "发布机关": "publisher",
    "发文机关": "publisher",
    "发文单位": "publisher",
    "发布单位": "publisher",
    "公开主体": "publisher",
    "公开单位": "publisher",
    "信息公开主体": "publisher",
    "成文日期": "formed",
    "成文时间": "formed",
    "生成日期": "formed",
    "形成日期": "formed",
    "发文日期": "formed",
    "印发日期": "formed",
    "发布日期": "published",
    "发布时间": "published",
    "公开日期": "published",
    "公开时间": "published",
    "发表时间": "published",
    "文号": "doc_no",
    "发文字号": "doc_no",
    "发文文号": "doc_no",
    "文件编号": "doc_no",
    "文件文号": "doc_no",
    "主题词": "keywords",
    "关键词": "keywords",
    "关键字": "keywords",
    "有效性": "validity",
    "时效性": "validity",
    "效力状态": "validity",
    "是否有效": "validity",
    "实施日期": "effective",
    "生效日期": "effective",
    "废止日期": "repealed",
    "失效日期": "repealed",
    "所属栏目": "column",
    "来源": "source",
    "信息来源": "source",
    "文章来源": "source",
}
# The categories platforms name: any label ending in 分类 is one.
# Short labels that also head columns of tables in a document's body (名称, 来源):
# labels only with a colon, and mid-line only after a space or a separator.
WEAK = frozenset({"名称", "标题", "类别", "来源", "索引", "字号"})
_CATEGORY_LABEL = re.compile(r"^[\u4e00-\u9fff]{0,6}分类$")
_SPACE = re.compile(r"[\s\u3000\xa0\u2002\u2003\u2009\u200b\ufeff]+")
_TRIM = ":：【】[]〔〕 \t"

# What platforms print in an empty field ("文号：无"): no value.
NONE_PRINTED = frozenset(
    {"无", "暂无", "空", "-", "--", "—", "——", "/", "\\", "null", "NULL", "None"}
)
# Keys whose value is a date: kept as printed, cut to the date (and time) it holds.
DATE_KEYS = frozenset({"formed", "published", "effective", "repealed"})
_MAX_VALUE = {"title": 200, "keywords": 120, "category": 80}
_SPACED = r"[\s\u3000\xa0\u2002\u2003\u2009\u200b]*"


def label_key(text: str) -> str | None:
    """The meta key a printed label stands for, or None when it is not a label."""
    plain = _SPACE.sub("", text).strip(_TRIM)
    if not plain or len(plain) > 10:
        return None
    key = LABELS.get(plain)
    if key is None and _CATEGORY_LABEL.match(plain):
        return "category"
    return key


def _spelled(label: str) -> str:
    return _SPACED.join(re.escape(ch) for ch in label)


# Every known label, spaced any way, longest first so 索引号 wins over 索引; then the
# category labels by their ending. Mid-line, a label needs a colon after it.
_KNOWN = "|".join(_spelled(label) for label in sorted(LABELS, key=len, reverse=True))
_CATEGORY = r"(?<![\u4e00-\u9fff])[\u4e00-\u9fff]{0,6}?" + _spelled("分类")
LABEL_AT = re.compile(
    r"(?:(?P<open>[【\[])(?P<blabel>" + _KNOWN + "|" + _CATEGORY + r")[】\]]" + _SPACED + r"[:：]?"
    r"|(?P<label>" + _KNOWN + "|" + _CATEGORY + r")" + _SPACED + r"(?P<colon>[:：])?)"
)


def clean_value(key: str, value: str) -> str | None:
    """The value as kept, or None when it cannot be one for ``key``."""
    value = " ".join(value.split()).strip(" ：:;；,，|")
    if not value or value in NONE_PRINTED or label_key(value) is not None:
        return None
    if key in DATE_KEYS:
        match = DATE_IN_TEXT.search(value)
        return match.group(0).strip() if match else None
    if len(value) > _MAX_VALUE.get(key, 80):
        return None
    if key == "index_no" and not any(ch.isdigit() for ch in value):
        return None
    return value


def pairs_in_line(line: str) -> tuple[list[tuple[str, str]], str | None]:
    """Label/value pairs printed in one run of text (``索引号：… 发布机构：…``), and
    the key of a label left without a value at the end of the line (its value is
    then in the next cell)."""
    found: list[tuple[str, int, int]] = []  # key, label start, value start
    for match in LABEL_AT.finditer(line):
        start = match.start()
        if match.group("blabel"):  # 【索引号】value: the bracket is the colon
            if line[:start].strip() and not (
                line[start - 1].isspace() or line[start - 1] in "；;|"
            ):
                continue
            key = label_key(match.group("blabel"))
            if key is not None:
                found.append((key, start, match.end()))
            continue
        at_start = not line[:start].strip()
        if not at_start:
            if not match.group("colon"):
                continue
            before = line[start - 1]
            plain = _SPACE.sub("", match.group("label"))
            known = plain in LABELS and plain not in WEAK
            # Mid-line: a known label may follow its value directly; a category
            # label (any word ending in 分类) only after a space or a separator.
            if not known and not (before.isspace() or before in ";；,，|/"):
                continue
        elif not match.group("colon") and _SPACE.sub("", match.group("label")) in WEAK:
            continue
        elif (
            not match.group("colon")
            and line[match.end() :].strip()
            and not line[match.end() : match.end() + 1].isspace()
        ):
            # A label at the start with no colon is a label only when it is alone
            # or followed by a space (``<th>索引号</th>`` or ``索引号 value``).
            continue
        key = label_key(match.group("label"))
        if key is not None:
            found.append((key, start, match.end()))
    pairs: list[tuple[str, str]] = []
    dangling: str | None = None
    for index, (key, _start, value_start) in enumerate(found):
        end = found[index + 1][1] if index + 1 < len(found) else len(line)
        value = line[value_start:end]
        if value.strip():
            pairs.append((key, value))
        elif index + 1 == len(found):
            dangling = key
    return pairs, dangling
