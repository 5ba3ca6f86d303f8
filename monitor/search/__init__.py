"""Full-text search over every item: titles, metadata (文号, 索引号), text and
attachment names, in Chinese, on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm).

- :func:`search` answers a :class:`SearchQuery` with highlighted :class:`Hit` s;
- :func:`catch_up` / :func:`index_pending` keep the index up to date from the queue
  the store's triggers fill (the crawl calls :func:`index_pending` once it committed).

See docs/search.md.
"""

from __future__ import annotations

from monitor.search.index import IndexReport, catch_up, index_pending
from monitor.search.query import Hit, Results, SearchQuery, search, terms_of

__all__ = [
    "Hit",
    "IndexReport",
    "Results",
    "SearchQuery",
    "catch_up",
    "index_pending",
    "search",
    "terms_of",
]
