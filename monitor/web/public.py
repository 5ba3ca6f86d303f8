"""The public report: bar charts and tables per period, unit pages, exports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal, cast

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor import i18n
from monitor.annual.queries import stored_reports
from monitor.annual.queries import summary as annual_summary
from monitor.store.models import Unit
from monitor.web import exports, leaks, report
from monitor.web.charts import bar_chart, line_chart
from monitor.web.deps import SESSION_KEY, current_viewer, get_db
from monitor.web.params import OptionalRowId
from monitor.web.report_cache import ReportCache

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(get_db)]


def _cache(request: Request) -> ReportCache:
    return request.app.state.report_cache


def _period(request: Request, session: Session, asked: str | None) -> tuple[str | None, list[str]]:
    known = _cache(request).get(session, "periods", lambda: report.periods(session))
    if asked:
        if asked not in known:
            raise HTTPException(404, f"no scores for period {asked}")
        return asked, known
    return (known[0] if known else None), known


def _page(
    request: Request, session: Session, key: tuple[object, ...], render: Callable[[], Response]
) -> Response:
    """A public page, served from the cache to anonymous readers (their pages are the
    same for everyone in one language and hold no session data); signed-in users get
    it rendered."""
    if request.session.get(SESSION_KEY) is not None:
        return render()
    body = _cache(request).get(
        session, ("page", i18n.current(), *key), lambda: bytes(render().body), scope="content"
    )
    return HTMLResponse(body)


def _parent(session: Session, parent: int | None) -> Unit | None:
    if parent is None:
        return None
    unit = session.get(Unit, parent)
    if unit is None:
        raise HTTPException(404, "no such unit")
    return unit


@router.get("/", response_class=HTMLResponse)
def index(
    request: Request, session: Db, period: str | None = None, parent: OptionalRowId = None
) -> Response:
    chosen, known = _period(request, session, period)
    unit = _parent(session, parent)

    def render() -> Response:
        context: dict[str, object] = {
            "periods": known,
            "period": chosen,
            "parent": unit,
            "trail": report.ancestors(unit) if unit else [],
            "viewer": current_viewer(request, session),
        }
        if chosen is not None:
            parent_id = unit.id if unit else None
            context.update(
                _cache(request).get(
                    session,
                    ("index", chosen, parent_id),
                    lambda: _level(session, chosen, parent_id),
                ),
                query=f"period={chosen}" + (f"&parent={parent_id}" if unit else ""),
            )
        return request.app.state.templates.TemplateResponse(request, "report.html", context)

    return _page(request, session, ("index", chosen, unit.id if unit else None), render)


def _level(session: Session, period: str, parent_id: int | None) -> dict[str, object]:
    """The score-derived part of a report page (the costly part: cached)."""
    rows = report.level_rows(session, period, parent_id)
    hrefs = {r.unit_id: f"/?period={period}&parent={r.unit_id}" for r in rows if r.has_children}
    everyone = report.all_rows(session, period)
    return {
        "rows": rows,
        "everyone": everyone,
        "coverage": report.coverage(everyone),
        "chart": bar_chart(rows, hrefs),
        "worst": report.worst(everyone),
        "improved": report.most_improved(everyone),
        "trend": line_chart(report.trend(session, parent_id, period)),
    }


@router.get("/export/{table}.{fmt}")
def export_table(
    request: Request,
    session: Db,
    table: Literal["units", "worst", "improved"],
    fmt: Literal["csv", "xlsx"],
    period: str | None = None,
    parent: OptionalRowId = None,
) -> Response:
    chosen, _ = _period(request, session, period)
    if chosen is None:
        raise HTTPException(404, "no scores yet")
    unit = _parent(session, parent)
    parent_id = unit.id if unit else None
    level = _cache(request).get(
        session, ("index", chosen, parent_id), lambda: _level(session, chosen, parent_id)
    )
    key = {"units": "rows", "worst": "worst", "improved": "improved"}[table]
    rows = cast(list[report.ScoreRow], level[key])
    name = f"{table}-{chosen}" + (f"-{unit.code}" if unit else "")
    body = exports.render(fmt, report.TABLE_COLUMNS, [r.as_record() for r in rows], name)
    return Response(
        body,
        media_type=exports.FORMATS[fmt],
        headers=exports.download_headers(f"{name}.{fmt}"),
    )


def _unit_by_code(session: Session, code: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise HTTPException(404, "no such unit")
    return unit


FINDING_COLUMNS = ("rule_id", "period", "subject", "severity", "status", "message", "first_seen")


@router.get("/units/{code}", response_class=HTMLResponse)
def unit_page(request: Request, session: Db, code: str, period: str | None = None) -> Response:
    unit = _unit_by_code(session, code)
    chosen, known = _period(request, session, period)

    def render() -> Response:
        scores = report.explanation(session, unit.id, chosen) if chosen else {}
        context = {
            "unit": unit,
            "trail": report.ancestors(unit),
            "period": chosen,
            "periods": known,
            "scores": scores,
            "total": scores.get("total"),
            "indicators": [s for k, s in sorted(scores.items()) if k != "total"],
            "findings": report.findings(session, unit.id, chosen),
            "history": report.history(session, unit.id),
            "annual_reports": [annual_summary(r) for r in stored_reports(session, unit.id)],
            # Items still carrying personal data: no link, no address, to anyone.
            "withheld": leaks.withheld(session, [unit.id]),
            "children": sorted(unit.children, key=lambda u: u.code),
            "names": {u.code: u.name for u in unit.children},
            "trend": _cache(request).get(
                session,
                ("unit-trend", unit.id, chosen),
                lambda: line_chart(report.trend(session, unit.id, chosen)),
            )
            if chosen
            else None,
            "viewer": current_viewer(request, session),
        }
        return request.app.state.templates.TemplateResponse(request, "unit.html", context)

    return _page(request, session, ("unit", unit.id, chosen), render)


HISTORY_COLUMNS = ("published", "title", "category", "url", "first_seen", "removed_at")
SCORE_COLUMNS = (
    "indicator",
    "value",
    "max_value",
    "weight",
    "assessable_fraction",
    "scheme",
    "status",
)


def _download(fmt: str, columns: tuple[str, ...], records: list[dict], name: str) -> Response:
    return Response(
        exports.render(fmt, columns, records, name),
        media_type=exports.FORMATS[fmt],
        headers=exports.download_headers(f"{name}.{fmt}"),
    )


def _iso(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


@router.get("/units/{code}/{table}.{fmt}")
def export_unit_table(
    request: Request,
    session: Db,
    code: str,
    table: Literal["findings", "history", "scores"],
    fmt: Literal["csv", "xlsx"],
    period: str | None = None,
) -> Response:
    """The unit page's tables: findings, disclosure history, scores per indicator."""
    unit = _unit_by_code(session, code)
    columns: tuple[str, ...]
    hidden = leaks.withheld(session, [unit.id])
    if table == "findings":
        columns = FINDING_COLUMNS
        records = [
            {
                **{c: _iso(getattr(f, c)) for c in columns},
                "subject": hidden.subject(f),
                "message": hidden.public_message(f),
            }
            for f in report.findings(session, unit.id, period)
        ]
    elif table == "history":
        columns = HISTORY_COLUMNS
        records = [
            {
                "published": _iso(i.published_date) or i.published_text,
                "title": i.title,
                "category": i.category,
                "url": None if hidden.hides_item(i) else i.url,
                "first_seen": _iso(i.first_seen),
                "removed_at": _iso(i.removed_at),
            }
            for i in report.history(session, unit.id, limit=100_000)
        ]
    else:
        chosen, _ = _period(request, session, period)
        columns = SCORE_COLUMNS
        scores = report.explanation(session, unit.id, chosen) if chosen else {}
        records = [
            {
                "indicator": s.indicator,
                "status": s.status,
                "value": s.value,
                "max_value": s.max_value,
                "weight": s.weight,
                "assessable_fraction": s.assessable_fraction,
                "scheme": s.scheme_version,
            }
            for _, s in sorted(scores.items())
        ]
        period = chosen
    name = f"{table}-{unit.code}" + (f"-{period}" if period else "")
    return _download(fmt, columns, records, name)
