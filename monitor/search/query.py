"""Searching the index: one interface, the backend chosen by the session's dialect.

Terms of three characters or more go to the native index (SQLite: ``LIKE`` on the
FTS5 trigram table ``search_fts``; PostgreSQL: ``ILIKE`` served by the ``pg_trgm``
GIN index); shorter terms, which no trigram index can serve, are a ``LIKE`` scan in
publication order that stops at the page's end, over at most the newest
:data:`SHORT_SCAN` documents in scope when no index narrows the query (no longer
term, or on SQLite one found in more than :data:`MANY` items). All terms must match. Newest first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, TextClause, and_, exists, or_, select, text
from sqlalchemy.orm import Session

from monitor.search.models import SearchDoc
from monitor.search.snippet import highlight, snippet
from monitor.store.models import Finding, Item, Unit

MIN_TRIGRAM = 3
Condition = ColumnElement[bool] | TextClause
# A query of only one- or two-character terms scans at most this many of the newest
# documents in scope (after the filters): no trigram index serves it.
SHORT_SCAN = 50_000
# SQLite: long terms matching at most this many documents are checked by id; more
# (a word in nearly every item) are treated like short terms, on a bounded walk.
MANY = 20_000
MAX_TERMS = 6
MAX_TERM = 100


@dataclass(frozen=True)
class SearchQuery:
    text: str
    unit_id: int | None = None  # the unit, or everything under it (a town, the county)
    unit_level: str | None = None  # the unit's level (village, town, county): one column
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
    # No index narrowed the query (only one- or two-character terms, or a word in
    # nearly every item): the newest SHORT_SCAN documents in scope were searched.
    recent_only: bool = False


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


def _order(dialect: str) -> list[Any]:
    # SQLite puts NULLs last in a descending order already, and only the plain form
    # walks its date index; PostgreSQL has an index built for the explicit form.
    if dialect == "postgresql":
        return [SearchDoc.published_date.desc().nulls_last(), SearchDoc.item_id.desc()]
    return [SearchDoc.published_date.desc(), SearchDoc.item_id.desc()]


def _sqlite_match(session: Session, terms: list[str]) -> Condition | None:
    """The long terms through the FTS5 trigram index (``LIKE`` on ``search_fts``):
    the matching ids when there are at most MANY, to be sorted or walked by date
    with the rest; None when there are more (a word in nearly every item), for the
    caller to check the text on a bounded walk instead."""
    where = " AND ".join(f"text LIKE :t{i}" for i in range(len(terms)))
    params = {f"t{i}": _fts_like(t) for i, t in enumerate(terms)}
    found = session.scalar(
        text(f"SELECT count(*) FROM (SELECT rowid FROM search_fts WHERE {where} LIMIT :n)"),
        {**params, "n": MANY + 1},
    )
    if (found or 0) > MANY:
        return None
    # The ids stay in SQLite: a subquery, not thousands of bound parameters.
    matched = f"search_doc.item_id IN (SELECT rowid FROM search_fts WHERE {where})"
    return text(matched).bindparams(**params)


def _pg_like(term: str) -> ColumnElement[bool]:
    """ILIKE only for a term with letters that have a case: ILIKE folds every row's
    whole text first, LIKE compares bytes, and Chinese has no case. Both are served
    by the trigram index."""
    if term.lower() == term.upper():
        return SearchDoc.text.like(_like(term), escape="\\")
    return SearchDoc.text.ilike(_like(term), escape="\\")


def _fts_like(term: str) -> str:
    # FTS5 serves LIKE without ESCAPE: a literal % or _ becomes "any one character"
    # here, and the exact check on search_doc.text decides.
    return "%" + term.replace("%", "_") + "%"


def _term_filters(session: Session, dialect: str, q: SearchQuery) -> tuple[list[Condition], bool]:
    """The terms' conditions, and whether a short-term scan was bounded."""
    terms = q.terms
    long = [t for t in terms if len(t) >= MIN_TRIGRAM]
    short = [t for t in terms if len(t) < MIN_TRIGRAM]
    out: list[Condition] = []
    narrowed = bool(long)
    if dialect == "postgresql":
        out += [_pg_like(t) for t in long]
    elif long:
        matched = _sqlite_match(session, long)
        narrowed = matched is not None
        if matched is None or any(c in t for t in long for c in "%_"):
            out += [SearchDoc.text.like(_like(t), escape="\\") for t in long]
        if matched is not None:
            out.append(matched)
    if dialect == "postgresql":
        out += [_pg_like(t) for t in short]
    else:  # SQLite's LIKE ignores ASCII case already
        out += [SearchDoc.text.like(_like(t), escape="\\") for t in short]
    bounded = _recent_scope(session, dialect, q) if not narrowed else []
    return out + bounded, bool(bounded)


def _recent_scope(session: Session, dialect: str, q: SearchQuery) -> list[ColumnElement[bool]]:
    """No index serves short terms: the scan is bounded to the newest SHORT_SCAN
    documents in scope, by the publication date of the last of them."""
    cutoff = session.execute(
        select(SearchDoc.published_date)
        .where(*_filters(q))
        .order_by(*_order(dialect))
        .offset(SHORT_SCAN)
        .limit(1)
    ).first()
    if cutoff is None or cutoff[0] is None:
        return []
    return [SearchDoc.published_date >= cutoff[0]]


def _unit_filter(unit_id: int, level: str | None) -> ColumnElement[bool]:
    """Items of the unit and every unit under it: one column when its level is known
    (each has a date index of its own), else any of the three."""
    if level == "county":
        return SearchDoc.county_id == unit_id
    if level == "town":
        return SearchDoc.town_id == unit_id
    if level == "village":
        return SearchDoc.unit_id == unit_id
    return or_(
        SearchDoc.unit_id == unit_id, SearchDoc.town_id == unit_id, SearchDoc.county_id == unit_id
    )


def _filters(q: SearchQuery) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if q.unit_id is not None:
        out.append(_unit_filter(q.unit_id, q.unit_level))
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


def statement(
    session: Session, q: SearchQuery
) -> tuple[Select[SearchDoc, str, str, str | None], bool]:
    """The page's rows (one more than a page: is there a next?): document, unit code
    and name, item URL; and whether only the newest documents are searched."""
    dialect = session.get_bind().dialect.name
    terms, bounded = _term_filters(session, dialect, q)
    conditions: list[Condition] = [*terms, *_filters(q)]
    query = (
        select(SearchDoc, Unit.code, Unit.name, Item.url)
        .join(Unit, Unit.id == SearchDoc.unit_id)
        .join(Item, Item.id == SearchDoc.item_id)
        .where(and_(*conditions))
        .order_by(*_order(dialect))
        .offset((q.page - 1) * q.per_page)
        .limit(q.per_page + 1)
    )
    return query, bounded


def search(session: Session, q: SearchQuery) -> Results:
    """One page of hits for Q (nothing for a query without terms)."""
    results = Results(q)
    terms = q.terms
    if not terms:
        return results
    query, results.recent_only = statement(session, q)
    rows = session.execute(query).all()
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
