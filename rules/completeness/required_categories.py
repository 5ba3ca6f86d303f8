from __future__ import annotations

from collections.abc import Iterable

from pydantic import Field

from rules._helpers import items_in, matches, no_data_finding, period_closed
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
_TOWN = {
    "政策文件": ["政策文件", "规范性文件", "政策", "文件", "通知", "规定", "办法"],
    "财政信息": ["财政", "预算", "决算", "预决算", "三公经费"],
    "惠民政策": ["惠民", "补贴", "救助", "低保", "社会保障", "扶贫", "帮扶"],
}
DEFAULT_REQUIREMENTS: dict[str, dict[str, list[str]]] = {
    "village": _VILLAGE,
    "community": _VILLAGE,
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
    title contains one of the requirement's keywords; it counts for the period of its
    publication date (its first sighting when it has none). The requirement is due by
    the end of the period, so a period still running yields no finding.

    Parameters: ``requirements`` maps a requirement name to its keywords; left empty,
    the defaults for the unit's kind apply (villages and communities: 党务公开,
    村务公开, 财务公开; towns: 政策文件, 财政信息, 惠民政策). Rulesets add lines such as
    征地补偿 where a town has expropriations.

    Bad (village, 2026-Q1 closed, only 党务 and 村务 items)::

        finding category:财务公开 — "no 财务公开 item in 2026-Q1"

    Good: at least one item per requirement in the quarter, e.g. a
    "2026年1月村级财务收支公开" titled item under 财务公开.

    A unit none of whose feeds was ever read gets a not-assessable finding instead.
    """

    id = "completeness.required_categories"
    title = "Required categories of content published in each period"
    basis = (
        "Regulations on Open Government Information (2019), arts. 20–21; "
        "Organic Law of Villagers' Committees (2018), art. 30; "
        "Rules on financial disclosure of rural collective economic organisations (2011)"
    )
    severity = Severity.HIGH

    class Params(RuleParams):
        requirements: dict[str, list[str]] = Field(default_factory=dict)

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        if not period_closed(ctx):
            return
        required = ctx.params.requirements or DEFAULT_REQUIREMENTS.get(ctx.unit.kind, {})
        if not required:
            return
        blind = no_data_finding(ctx, "required categories")
        if blind is not None:
            yield blind
            return
        items = items_in(ctx.items, ctx.period)
        for name, keywords in required.items():
            hits = [item for item in items if matches(item, keywords)]
            if hits:
                continue
            yield FindingDraft(
                subject=f"category:{name}",
                message=f"no {name} item in {ctx.period.key}",
                evidence={
                    "requirement": name,
                    "keywords": list(keywords),
                    "period": ctx.period.key,
                    "items_in_period": len(items),
                },
            )
