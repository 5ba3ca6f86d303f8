"""The shared public corpus of bad and foreign feeds: parsed without a crash or a
hang, each either read or refused with a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.fetch import UndecodableBody, decode_body
from monitor.parse import ParseError, parse_feed
from tests.conftest import CORPUS

FEED_SUFFIXES = (".xml", ".rss", ".atom", ".rdf", ".html", ".htm")


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() in FEED_SUFFIXES)


def _skip_without_corpus() -> None:
    if not CORPUS.is_dir():
        pytest.skip("the shared corpus (../shared/corpus) is not present")


@pytest.mark.timeout(120)
def test_every_corpus_document_is_read_or_refused_clearly() -> None:
    _skip_without_corpus()
    files = corpus_files()
    assert len(files) > 100
    read = refused = 0
    for path in files:
        try:
            text = decode_body(path.read_bytes()).text
            page = parse_feed(text, "https://example.com/", {})
        except (ParseError, UndecodableBody) as exc:
            assert str(exc), path
            refused += 1
            continue
        assert all(e.key for e in page.entries), path
        read += 1
    assert read > refused


def test_gb2312_feeds_decode_to_chinese() -> None:
    _skip_without_corpus()
    files = sorted((CORPUS / "chardet_gb2312").rglob("*.xml"))
    files.append(CORPUS / "rss_misc" / "rbren_rss-parser__encoding-gb2312.xml")
    assert len(files) >= 10
    for path in files:
        decoded = decode_body(path.read_bytes())
        assert decoded.encoding == "gb18030", path
        if decoded.text.lstrip().lower().startswith("<!doctype html"):
            continue  # one saved web page without a declaration: detection still said GB
        page = parse_feed(decoded.text, "", {})
        assert page.entries, path
        titles = "".join(e.title + e.text for e in page.entries)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in titles), path
        assert "\ufffd" not in titles, path


def test_html_served_as_a_feed_is_refused() -> None:
    _skip_without_corpus()
    text = decode_body((CORPUS / "node_feedparser" / "notafeed.html").read_bytes()).text
    with pytest.raises(ParseError, match="HTML"):
        parse_feed(text, "", {})
