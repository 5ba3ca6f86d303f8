"""``/rules``: every registered rule with its basis, parameters (defaults), unit
kinds, the periods the ruleset judges it on, and its documentation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel

from monitor.rule_catalog import describe, ruleset_periods
from monitor.web.api.common import ERRORS, NOT_FOUND, Who
from rules.registry import load_rules

router = APIRouter(tags=["rules"])


class ParamOut(BaseModel):
    name: str
    type: str
    default: Any = None


class RuleOut(BaseModel):
    id: str
    title: str
    basis: str
    severity: str
    version: str
    applies_to: list[str]
    periods: list[str]
    params: list[ParamOut]
    doc: str


def _periods(request: Request) -> dict[str, list[str]]:
    return ruleset_periods(request.app.state.settings)


@router.get("/rules", responses=ERRORS)
def list_rules(request: Request, viewer: Who) -> list[RuleOut]:
    """Every registered rule, by id."""
    periods = _periods(request)
    loaded = load_rules()
    return [RuleOut.model_validate(describe(r, periods)) for _, r in sorted(loaded.rules.items())]


@router.get("/rules/{rule_id}", responses={**ERRORS, **NOT_FOUND})
def get_rule(request: Request, viewer: Who, rule_id: str) -> RuleOut:
    rule = load_rules().get(rule_id)
    if rule is None:
        raise HTTPException(404, "no such rule")
    return RuleOut.model_validate(describe(rule, _periods(request)))
