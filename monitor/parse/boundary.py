"""The parse boundary: bytes in, bounded and clean parsed values out.

Everything a crawl keeps of a document passes through ``parse_document``, which runs
in a parser process (``monitor.crawl.parsing``): the body is decoded and parsed
there, nesting that would recurse without end is refused, and what comes out is
bounded (text, entries' values, attachments) and cleaned of the characters
PostgreSQL refuses (NUL in ``text`` and ``jsonb``, lone surrogates that UTF-8 cannot
encode), for every store, so one such character never costs a feed its transaction.
What was cut or cleaned is said in the result's notes, which the fetch row keeps.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import Any

from monitor.fetch.encoding import UndecodableBody, decode_body
from monitor.parse import Detail, Page, ParseError, parse_detail, parser_for
from rules.api import FetchOutcome

OK = "ok"
PARSE_ERROR = FetchOutcome.PARSE_ERROR
DECODE_ERROR = "decode_error"

# JSON (and any parsed value) nested deeper than this is refused: the hash of an
# item's metadata and the JSON columns are written by recursive encoders.
MAX_DEPTH = 64
MAX_TITLE = 2000
MAX_META_VALUE = 10_000
MAX_ATTACHMENTS = 200
MAX_URL = 2000  # the URL columns' width
_REFUSED = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True)
class Limits:
    max_text_chars: int = 200_000
    max_attachments: int = MAX_ATTACHMENTS


@dataclass(frozen=True)
class ParseJob:
    """A body to parse: in ``body``, or in the file at ``path`` (a spool)."""

    what: str  # "listing" | "detail"
    kind: str | None  # the listing's kind; None: guessed from the body
    url: str
    content_type: str | None
    options: dict[str, Any]
    body: bytes | None = None
    path: str | None = None
    limits: Limits = field(default_factory=Limits)


@dataclass
class ParseResult:
    outcome: str
    error: str | None = None
    kind: str | None = None
    page: Page | None = None
    detail: Detail | None = None
    notes: list[str] = field(default_factory=list)
    cleaned: int = 0  # characters removed
    retained: int = 0  # an estimate of the bytes the result holds


def guess_kind(head: bytes) -> str:
    head = head[:512].lstrip()
    if head.startswith((b"{", b"[")):
        return "json"
    lowered = head.lower()
    if b"<rss" in lowered or b"<rdf:rdf" in lowered:
        return "rss"
    if b"<feed" in lowered:
        return "atom"
    return "html"


class _Cleaner:
    """Removes refused characters and bounds sizes, counting what it did."""

    def __init__(self) -> None:
        self.removed = 0
        self.notes: list[str] = []
        self.size = 0

    def text(self, value: str, limit: int | None = None) -> str:
        if _REFUSED.search(value):
            cleaned = _REFUSED.sub("", value)
            self.removed += len(value) - len(cleaned)
            value = cleaned
        if limit is not None and len(value) > limit:
            value = value[:limit]
        self.size += sys.getsizeof(value)
        return value

    def optional(self, value: str | None, limit: int | None = None) -> str | None:
        return None if value is None else self.text(value, limit)

    def url(self, value: str | None) -> str | None:
        if value is None:
            return None
        value = self.text(value)
        if len(value) > MAX_URL:
            self.notes.append(f"a link longer than {MAX_URL} characters was not kept")
            return None
        return value

    def value(self, value: Any, depth: int = 0) -> Any:
        """A JSON-like value, cleaned; nesting past MAX_DEPTH raises ParseError."""
        if depth > MAX_DEPTH:
            raise ParseError(f"values nested deeper than {MAX_DEPTH} levels refused")
        if isinstance(value, str):
            return self.text(value, MAX_META_VALUE)
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v, depth + 1) for v in value]
        self.size += 32
        return value

    def attachments(self, found: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
        if len(found) > limit:
            self.notes.append(f"{len(found) - limit} attachment link(s) past the {limit} kept")
            found = found[:limit]
        kept = []
        for attachment in found:
            cleaned = self.value(attachment, 1)
            if isinstance(cleaned, dict) and cleaned.get("url"):
                kept.append(cleaned)
        return kept

    def finish(self, result: ParseResult) -> ParseResult:
        if self.removed:
            self.notes.append(
                f"{self.removed} character(s) PostgreSQL refuses (NUL, lone surrogates) removed"
            )
        result.notes += self.notes
        result.cleaned = self.removed
        result.retained = self.size
        return result


def bound_page(page: Page, limits: Limits) -> ParseResult:
    clean = _Cleaner()
    truncated = 0
    for entry in page.entries:
        entry.key = clean.text(entry.key)
        entry.title = clean.text(entry.title, MAX_TITLE)
        entry.url = clean.url(entry.url)
        entry.category = clean.optional(entry.category, 200)
        entry.published = clean.optional(entry.published, 200)
        entry.formed = clean.optional(entry.formed, 200)
        if len(entry.text) > limits.max_text_chars:
            truncated += 1
        entry.text = clean.text(entry.text, limits.max_text_chars)
        entry.meta = clean.value(entry.meta)
        entry.attachments = clean.attachments(entry.attachments, limits.max_attachments)
        clean.size += 200
    if truncated:
        clean.notes.append(f"{truncated} entry text(s) cut at {limits.max_text_chars} characters")
    page.next_url = clean.url(page.next_url)
    page.errors = [clean.text(e, 500) for e in page.errors]
    return clean.finish(ParseResult(OK, page=page))


def bound_detail(detail: Detail, limits: Limits) -> ParseResult:
    clean = _Cleaner()
    detail.title = clean.text(detail.title, MAX_TITLE)
    if len(detail.text) > limits.max_text_chars:
        clean.notes.append(f"text cut at {limits.max_text_chars} characters")
    detail.text = clean.text(detail.text, limits.max_text_chars)
    detail.meta = clean.value(detail.meta)
    detail.attachments = clean.attachments(detail.attachments, limits.max_attachments)
    return clean.finish(ParseResult(OK, detail=detail))


def _body(job: ParseJob) -> bytes:
    if job.body is not None:
        return job.body
    assert job.path is not None
    with open(job.path, "rb") as f:
        return f.read()


def parse_document(job: ParseJob) -> ParseResult:
    """Decode and parse a body, then bound and clean the result. Never raises for a
    bad document: the result's outcome and error say what went wrong."""
    try:
        return _parse(job)
    except RecursionError:
        return ParseResult(PARSE_ERROR, "the document is nested too deeply to parse")
    except MemoryError:
        return ParseResult(PARSE_ERROR, "parsing the document needs more memory than allowed")


def _parse(job: ParseJob) -> ParseResult:
    body = _body(job)
    kind = job.kind or (guess_kind(body) if job.what == "listing" else None)
    try:
        text = decode_body(body, job.content_type).text
    except UndecodableBody as exc:
        return ParseResult(DECODE_ERROR, str(exc), kind)
    del body
    try:
        if job.what == "detail":
            result = bound_detail(parse_detail(text, job.url, job.options), job.limits)
        else:
            assert kind is not None
            result = bound_page(parser_for(kind)(text, job.url, job.options), job.limits)
    except ParseError as exc:
        return ParseResult(PARSE_ERROR, " ".join(str(exc).split())[:1000], kind)
    result.kind = kind
    return result
