"""Snippets: escaped first, then marked; a window around the first match."""

from __future__ import annotations

from monitor.search.query import terms_of
from monitor.search.snippet import highlight, snippet


def test_highlight_escapes_text_and_terms() -> None:
    marked = highlight("<b>低保</b> & 低保户 a<b", ["低保", "<b"])
    assert str(marked) == (
        "<mark>&lt;b</mark>&gt;<mark>低保</mark>&lt;/b&gt; &amp; "
        "<mark>低保</mark>户 a<mark>&lt;b</mark>"
    )


def test_snippet_window_and_ellipses() -> None:
    text = "甲" * 100 + "文号云府〔2026〕12号" + "乙" * 100
    out = str(snippet(text, ["云府〔2026〕12号"], window=5))
    assert out == "…甲甲甲文号<mark>云府〔2026〕12号</mark>乙乙乙乙乙…"
    assert str(snippet("短文", ["不在"])) == "短文"  # no match: the start, no ellipsis


def test_terms_split_on_any_space_deduplicated() -> None:
    assert terms_of(" 低保\u3000名单 低保  ") == ["低保", "名单"]
