"""The labelled platform pages read with no options: at least 98 % per field
(``make accuracy`` prints the table)."""

from __future__ import annotations

import pytest

from tests.conftest import CORPUS
from tests.parse.platforms import FIELDS, corpus_feeds, labelled_pages, measure


def test_the_labelled_set_is_large_and_varied() -> None:
    pages = labelled_pages()
    assert len(pages) >= 40
    kinds = {e["kind"] for _, e in pages}
    encodings = {e["encoding"] for _, e in pages}
    platforms = {p.parent.name for p, _ in pages}
    assert kinds == {"list", "detail"}
    assert {"utf-8", "gbk"} <= encodings
    assert len(platforms) >= 5


@pytest.mark.timeout(120)
def test_every_field_reads_at_98_percent_with_no_options() -> None:
    tally = measure()
    for name, label in FIELDS:
        assert tally.expected[name] > 0, name
        assert tally.rate(name) >= 0.98, (label, tally.misses)
        assert tally.extra[name] <= 0.02 * tally.expected[name], (label, tally.misses)


@pytest.mark.timeout(120)
def test_corpus_feeds_read_as_feedparser_reads_them() -> None:
    if not CORPUS.is_dir():
        pytest.skip("the shared corpus (../shared/corpus) is not present")
    tally = corpus_feeds(CORPUS)
    assert tally.pages >= 20
    for name in ("title", "link"):
        assert tally.rate(name) >= 0.9, tally.misses
