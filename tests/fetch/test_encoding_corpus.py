"""The feedparser encoding corpus (MANIFEST.csv) as the outside check of decoding:
each file with an expected encoding decodes to it (or its superset: GB2312 → GB18030,
ISO-8859-1 → windows-1252, US-ASCII → UTF-8), its simulated HTTP header given."""

from __future__ import annotations

import csv
import re

import pytest

from monitor.fetch import decode_body
from monitor.fetch.encoding import normalise
from monitor.parse import ParseError, parse_feed
from tests.conftest import CORPUS

ROOT = CORPUS / "feedparser"
_EXPECT = re.compile(r"encoding == '([^']+)'")


def _rows() -> list[dict[str, str]]:
    manifest = ROOT / "MANIFEST.csv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if r["path"].startswith("tests/encoding/")]


def _content_type(header: str) -> str | None:
    name, _, value = header.partition(":")
    return value.strip() if name.strip().lower() == "content-type" else None


def _applies(row: dict[str, str]) -> bool:
    # RFC 3023 made text/* without a charset US-ASCII whatever the XML declaration;
    # RFC 7303 withdrew that rule and browsers never followed it: the declaration is
    # read, as here. Those few expectations do not apply.
    header = _content_type(row["http_headers"]) or ""
    return not (header.startswith("text/") and "charset" not in header)


def test_the_corpus_decodes_to_the_expected_encodings() -> None:
    rows = _rows()
    if not rows:
        pytest.skip("the shared corpus (../shared/corpus) is not present")
    checked = 0
    for row in rows:
        expected = _EXPECT.search(row["expect"])
        if expected is None or not _applies(row):
            continue
        body = (ROOT / row["path"]).read_bytes()
        decoded = decode_body(body, _content_type(row["http_headers"]))
        assert normalise(decoded.encoding) == normalise(expected.group(1)), row["path"]
        checked += 1
    assert checked >= 35


def test_utf16_and_utf32_feeds_without_a_bom_are_read() -> None:
    files = sorted((ROOT / "tests" / "encoding").glob("utf*[0-9]*.xml"))
    files = [p for p in files if "bom" not in p.name] + [
        ROOT / "tests" / "encoding" / name for name in ("u16.xml", "utf16.xml", "utf_16.xml")
    ]
    if not all(p.is_file() for p in files):
        pytest.skip("the shared corpus (../shared/corpus) is not present")
    for path in files:
        decoded = decode_body(path.read_bytes())
        assert decoded.encoding.startswith(("utf-16", "utf-32")), path
        assert decoded.text.startswith("<?xml"), path
        try:
            parse_feed(decoded.text, "", {})
        except ParseError as exc:  # a declared charset we do not know is said clearly
            assert "\n" not in str(exc), path
