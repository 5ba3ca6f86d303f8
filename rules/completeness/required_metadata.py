from __future__ import annotations

import re
from collections.abc import Iterable

from rules._helpers import item_evidence, items_in, subject_for
from rules.api import FindingDraft, ItemView, Rule, RuleContext, RuleParams, Severity

# <organisation code>/<YYYY>-<NNNNN>: the 9-character organisation code (8 + check
# character, sometimes printed with a hyphen) or the 18-character unified social
# credit code.
INDEX_NO = re.compile(
    r"^(?:[0-9A-Z]{8}-?[0-9A-Z]|[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10})"
    r"/(?:19|20)\d{2}-\d{5}$"
)


class RequiredMetadata(Rule):
    """Each item carries its metadata table, well formed.

    Basis: the national standard for government-information disclosure pages (the
    directory of the Regulations on Open Government Information, 2019, art. 26, and
    the State Council General Office's 2019 website indicators) require 索引号, 发布机构,
    成文日期 and 发布日期 on each item.

    Checks, for each item published in the period:

    - ``index_no`` (索引号) present and of the form ``<organisation code>/<YYYY>-<NNNNN>``
      with either the 9-character organisation code (``000014349/2017-00110``) or the
      18-character unified social credit code (``11441700007280420Y/2021-00050``);
    - ``publisher`` (发布机构) present;
    - formed (成文日期) and published (发布日期) dates present and parseable;
    - published on or after formed.

    Parameter ``required`` lists the fields checked (default all four:
    ``index_no, publisher, formed, published``).

    Bad: ``索引号 2021-50``, no 发布机构, 成文日期 2026-03-10 after 发布日期 2026-03-02.
    Good: ``索引号 11441700007280420Y/2026-00050``, 发布机构 某镇人民政府,
    成文日期 2026-03-01, 发布日期 2026-03-02.
    """

    id = "completeness.required_metadata"
    title = "Items carry index number, publisher, formed and published dates"
    basis = (
        "Regulations on Open Government Information (2019), art. 26; GOV website indicators (2019)"
    )
    severity = Severity.LOW
    applies_to = frozenset({"township", "town", "street"})

    class Params(RuleParams):
        required: tuple[str, ...] = ("index_no", "publisher", "formed", "published")

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        wanted = set(ctx.params.required)
        for item in items_in(ctx.items, ctx.period):
            problems = problems_of(item, wanted)
            if problems:
                yield FindingDraft(
                    subject=subject_for(item),
                    message="metadata: " + "; ".join(problems),
                    evidence=item_evidence(item, problems=problems),
                )


def problems_of(item: ItemView, wanted: set[str]) -> list[str]:
    meta = item.meta or {}
    out: list[str] = []
    if "index_no" in wanted:
        index_no = str(meta.get("index_no") or "").strip()
        if not index_no:
            out.append("索引号 missing")
        elif not INDEX_NO.match(index_no):
            out.append(f"索引号 malformed: {index_no!r}")
    if "publisher" in wanted and not str(meta.get("publisher") or "").strip():
        out.append("发布机构 missing")
    for field, label, parsed, text in (
        ("formed", "成文日期", item.formed_date, item.formed_text or meta.get("formed")),
        (
            "published",
            "发布日期",
            item.published_date,
            item.published_text or meta.get("published"),
        ),
    ):
        if field not in wanted or parsed is not None:
            continue
        out.append(f"{label} unparseable: {text!r}" if text else f"{label} missing")
    if item.formed_date and item.published_date and item.published_date < item.formed_date:
        out.append(f"发布日期 {item.published_date} before 成文日期 {item.formed_date}")
    return out
