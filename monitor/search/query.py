"""Searching the index: one interface, the backend chosen by the session's dialect.

Terms of three characters or more go to the native index (SQLite FTS5 trigram
``MATCH``, PostgreSQL ``ILIKE`` served by the ``pg_trgm`` GIN index); shorter terms,
which no trigram index can serve, are a ``LIKE`` scan in publication order that
stops at the page's limit. All terms must match. Newest first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select, text
from sqlalchemy.orm import Session

from monitor.search.models import SearchDoc
from monitor.search.snippet import highlight, snippet
from monitor.store.models import Finding, Item, Unit

MIN_TRIGRAM = 3
MAX_TERMS = 6
MAX_TERM = 100


@dataclass(frozen=True)
class SearchQuery:
    text: str
    unit_id: int | None = None  # the unit, or everything under it (a town, the county)
    category: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    has_findings: bool | None = None
    page: int = 1
    per_page: int = 20

    @property
    def terms(self) -> list[str]:
        return terms_of(self.text)


@dataclass(frozen=True)
class Hit:
    item_id: int
    unit_id: int
    unit_code: str
    unit_name: str
    title: str
    title_html: str
    snippet_html: str
    category: str | None
    published_date: date | None
    url: str | None
    removed_at: datetime | None
    evidence_id: int | None


@dataclass
class Results:
    query: SearchQuery
    hits: list[Hit] = field(default_factory=list)
    has_more: bool = False


def terms_of(query: str) -> list[str]:
    """The query's whitespace-separated terms (full-width spaces too), deduplicated."""
    out: list[str] = []
    for term in query.replace("\u3000", " ").split():
        term = term[:MAX_TERM]
        if term not in out:
            out.append(term)
    return out[:MAX_TERMS]


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _term_filters(dialect: str, terms: list[str]) -> list[ColumnElement[bool]]:
    if dialect == "postgresql":
        return [SearchDoc.text.ilike(_like(t), escape="\\") for t in terms]
    long = [t for t in terms if len(t) >= MIN_TRIGRAM]
    filters: list[ColumnElement[bool]] = [
        SearchDoc.text.like(_like(t), escape="\\") for t in terms if len(t) < MIN_TRIGRAM
    ]
    if long:
        match = " AND ".join(_fts_phrase(t) for t in long)
        filters.append(
            text(
                "search_doc.item_id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH :fts)"
            ).bindparams(fts=match)
        )
    return filters


def _filters(q: SearchQuery) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if q.unit_id is not None:
        out.append(
            or_(
                SearchDoc.unit_id == q.unit_id,
                SearchDoc.town_id == q.unit_id,
                SearchDoc.county_id == q.unit_id,
            )
        )
    if q.category:
        out.append(SearchDoc.category == q.category)
    if q.date_from:
        out.append(SearchDoc.published_date >= q.date_from)
    if q.date_to:
        out.append(SearchDoc.published_date <= q.date_to)
    if q.has_findings is not None:
        # Public findings only: a privacy finding is not announced through search.
        found = exists().where(
            Finding.unit_id == SearchDoc.unit_id,
            Finding.subject == SearchDoc.subject,
            Finding.status == "open",
            ~Finding.rule_id.startswith("privacy."),
        )
        out.append(found if q.has_findings else ~found)
    return out


def statement(dialect: str, q: SearchQuery) -> Select[Any]:
    """The page's rows: document, unit code and name, item URL."""
    conditions = _term_filters(dialect, q.terms) + _filters(q)
    return (
        select(SearchDoc, Unit.code, Unit.name, Item.url)
        .join(Unit, Unit.id == SearchDoc.unit_id)
        .join(Item, Item.id == SearchDoc.item_id)
        .where(and_(*conditions))
        .order_by(SearchDoc.published_date.desc().nulls_last(), SearchDoc.item_id.desc())
        .offset((q.page - 1) * q.per_page)
        .limit(q.per_page + 1)
    )


def search(session: Session, q: SearchQuery) -> Results:
    """One page of hits for Q (nothing for a query without terms)."""
    results = Results(q)
    terms = q.terms
    if not terms:
        return results
    rows = session.execute(statement(session.get_bind().dialect.name, q)).all()
    results.has_more = len(rows) > q.per_page
    for doc, code, name, url in rows[: q.per_page]:
        results.hits.append(
            Hit(
                item_id=doc.item_id,
                unit_id=doc.unit_id,
                unit_code=code,
                unit_name=name,
                title=doc.title,
                title_html=str(highlight(doc.title, terms)),
                snippet_html=str(snippet(doc.text.removeprefix(doc.title), terms)),
                category=doc.category,
                published_date=doc.published_date,
                url=url,
                removed_at=doc.removed_at,
                evidence_id=doc.evidence_id,
            )
        )
    return results
