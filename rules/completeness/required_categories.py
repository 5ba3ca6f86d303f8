from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from pydantic import Field

from rules._helpers import (
    item_day,
    items_covering,
    items_in,
    local_date,
    matches,
    no_data_finding,
)
from rules._periods import deadline_after
from rules.api import FindingDraft, Rule, RuleContext, RuleParams, Severity

# Required content per unit kind: requirement name -> category names / title keywords.
# Villages: Organic Law art. 30 and the 2011 finance rules (党务 / 村务 / 财务 at least
# each quarter). Towns: 2019 regulations arts. 20–21, the lines a sample district
# actually publishes under (政策文件, 财政信息, 惠民政策, 征地补偿).
_VILLAGE = {
    "党务公开": ["党务", "党建", "党组织"],
    "村务公开": ["村务", "村民会议", "村民代表", "一事一议", "惠民补贴", "重大决策"],
    "财务公开": ["财务", "收支", "村级财务", "资产", "债权债务", "收益分配"],
}
# Urban communities (Organic Law of Urban Residents' Committees) publish 居务公开
# (居务 / 财务 / 党务, 社区公开): their 居务 is the village's 村务.
_COMMUNITY = {
    "党务公开": ["党务", "党建", "党组织"],
    "居务公开": [
        *("居务", "社区事务", "社区公开", "居民会议", "居民代表"),
        *("村务", "一事一议", "重大决策"),
    ],
    "财务公开": ["财务", "收支", "资产", "债权债务"],
}
_TOWN = {
    "政策文件": ["政策文件", "规范性文件", "政策", "文件", "通知", "规定", "办法"],
    "财政信息": ["财政", "预算", "决算", "预决算", "三公经费"],
    "惠民政策": ["惠民", "补贴", "救助", "低保", "社会保障", "扶贫", "帮扶"],
}
# Kinds whose disclosures are periodic (Organic Law art. 30): judged on covered periods.
PERIODIC_KINDS = frozenset({"village", "community"})
DEFAULT_REQUIREMENTS: dict[str, dict[str, list[str]]] = {
    "village": _VILLAGE,
    "community": _COMMUNITY,
    "township": _TOWN,
    "town": _TOWN,
    "street": _TOWN,
}


class RequiredCategories(Rule):
    """Every required kind of content appears at least once in the period.

    Basis: townships, towns and street offices must proactively publish the content of
    the Regulations on Open Government Information (2019), art. 20 (all bodies) and
    art. 21 (乡镇: rural policies, land, expropriation, social assistance …). Villages
    must publish party, village and financial affairs at least once a quarter (Organic
    Law of Villagers' Committees, 2018, art. 30; Rules on financial disclosure of rural
    collective economic organisations, 2011).

    An item counts for a requirement when its category, its feed's category or its
    title contains one of the requirement's keywords. Vocabulary differs by kind of
    unit: villages publish 村务, urban communities 居务公开 (居务 / 财务 / 党务), towns and
    street offices 政务; the ruleset gives each kind its own ``requirements``.

    Which period an item counts for: for villages and communities, whose disclosures
    are periodic, the period the item **covers** (read from its title or the head of its
    text: "2026年第三季度村务公开", "9月份财务收支", "7-9月" …; see
    ``completeness.periodic_series``), else its publication day; the requirement is
    due when the publication window after the period has closed (``window_day``,
    default the 15th of the following month, *unconfirmed* nationally). For towns and
    street offices, whose content is due as it is formed, the period of the
    publication date (first sighting when undated), due at the end of the period.
    ``covered_periods`` (true / false) overrides the choice by kind. A period still
    inside its window yields no finding.

    Parameters: ``requirements`` maps a requirement name to its keywords; left empty,
    the defaults for the unit's kind apply (villages: 党务公开, 村务公开, 财务公开;
    communities: 党务公开, 居务公开 (居务, 社区公开, 村务 …), 财务公开; towns: 政策文件,
    财政信息, 惠民政策). Rulesets add lines such as 征地补偿 where a town has
    expropriations.

    Bad (village, 2026-Q1 closed, only 党务 and 村务 items)::

        finding category:财务公开 — "no 财务公开 item in 2026-Q1"

    Good: at least one item per requirement in the quarter, e.g. a
    "2026年1月村级财务收支公开" titled item under 财务公开; a community's
    "2026年第一季度居务公开" published on 2026-04-08 counts for its 居务公开 of Q1.

    A unit none of whose feeds was ever read gets a not-assessable finding instead.
    """

    id = "completeness.required_categories"
    title = "Required categories of content published in each period"
    basis = (
        "Regulations on Open Government Information (2019), arts. 20–21; "
        "Organic Law of Villagers' Committees (2018), art. 30; "
        "Rules on financial disclosure of rural collective economic organisations (2011)"
    )
    version = "2"
    severity = Severity.HIGH
    messages: ClassVar[dict[str, str]] = {"missing": "no {name} item in {period}"}

    class Params(RuleParams):
        requirements: dict[str, list[str]] = Field(default_factory=dict)
        covered_periods: bool | None = None
        window_day: int = Field(default=15, ge=1, le=31)

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        covered = ctx.params.covered_periods
        if covered is None:
            covered = ctx.unit.kind in PERIODIC_KINDS
        today = local_date(ctx.as_of)
        due = deadline_after(ctx.period.end, ctx.params.window_day) if covered else ctx.period.end
        if today <= due:
            return
        required = ctx.params.requirements or DEFAULT_REQUIREMENTS.get(ctx.unit.kind, {})
        if not required:
            return
        blind = no_data_finding(ctx, "required categories")
        if blind is not None:
            yield blind
            return
        if covered:
            start, end = ctx.period.start, ctx.period.end
            items = tuple(
                item for item in items_covering(ctx.items, start, end) if item_day(item) <= today
            )
        else:
            items = items_in(ctx.items, ctx.period)
        for name, keywords in required.items():
            hits = [item for item in items if matches(item, keywords)]
            if hits:
                continue
            yield FindingDraft(
                subject=f"category:{name}",
                message=self.say("missing", name=name, period=ctx.period.key),
                evidence={
                    "requirement": name,
                    "keywords": list(keywords),
                    "period": ctx.period.key,
                    "items_in_period": len(items),
                },
            )
