"""Body decoding: declared charsets in order, lies detected, GB* read as GB18030."""

from __future__ import annotations

import codecs

import pytest

from monitor.fetch import UndecodableBody, decode_body
from monitor.fetch.encoding import http_charset, normalise

TEXT = "关于𠮷田村低保对象的公示"  # 𠮷 exists in GB18030 only, not in GBK


def test_gb_labels_are_decoded_as_gb18030() -> None:
    body = f'<html><head><meta charset="gb2312"></head><body>{TEXT}</body></html>'
    decoded = decode_body(body.encode("gb18030"))
    assert (decoded.encoding, decoded.source) == ("gb18030", "meta")
    assert TEXT in decoded.text
    assert normalise("GBK") == normalise("x-gbk") == normalise("cp936") == "gb18030"


def test_http_charset_wins_over_meta_when_it_decodes() -> None:
    body = f'<meta charset="iso-8859-1"><p>{TEXT}</p>'.encode()
    decoded = decode_body(body, "text/html; charset=UTF-8")
    assert (decoded.encoding, decoded.source) == ("utf-8", "http")
    assert TEXT in decoded.text


def test_a_lying_http_charset_falls_through_to_the_page_declaration() -> None:
    body = f'<?xml version="1.0" encoding="GBK"?><rss><title>{TEXT}</title></rss>'
    decoded = decode_body(body.encode("gb18030"), "application/rss+xml; charset=utf-8")
    assert (decoded.source, decoded.declared) == ("xml", "utf-8")
    assert TEXT in decoded.text


def test_bom_beats_every_declaration() -> None:
    body = codecs.BOM_UTF8 + f'<meta charset="gbk">{TEXT}'.encode()
    decoded = decode_body(body, "text/html; charset=gbk")
    assert (decoded.encoding, decoded.source) == ("utf-8", "bom")
    assert decoded.text.endswith(TEXT)
    utf16 = codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le")
    assert decode_body(utf16).text == TEXT


def test_undeclared_gbk_is_detected() -> None:
    body = (
        "<html><body>" + "村务公开财务收支明细表，低保对象公示。" * 20 + "</body></html>"
    ).encode("gbk")
    decoded = decode_body(body)
    assert decoded.source in ("detected", "fallback")
    assert "村务公开" in decoded.text


def test_binary_is_undecodable() -> None:
    with pytest.raises(UndecodableBody):
        decode_body(bytes(range(256)) * 4 + b"\x00\x00\x00")


def test_http_charset_parsing() -> None:
    assert http_charset('text/html; charset="GB2312"') == "GB2312"
    assert http_charset("text/html") is None
    assert normalise("no-such-charset") is None


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_without_a_bom_told_by_the_declaration_bytes(codec: str) -> None:
    label = codec[:6].upper()
    body = f'<?xml version="1.0" encoding="{label}"?><rss><title>{TEXT}</title></rss>'
    decoded = decode_body(body.encode(codec))
    assert (decoded.encoding, decoded.source) == (codec, "xml")
    assert TEXT in decoded.text


@pytest.mark.parametrize("where", ["xml", "meta"])
def test_a_latin1_http_label_yields_to_the_pages_own_gb_declaration(where: str) -> None:
    head = (
        '<?xml version="1.0" encoding="GB2312"?><rss>'
        if where == "xml"
        else '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">'
    )
    body = (head + f"<p>{TEXT}</p>").encode("gb18030")
    decoded = decode_body(body, "text/html; charset=ISO-8859-1")
    assert (decoded.encoding, decoded.source, decoded.declared) == ("gb18030", where, "ISO-8859-1")
    assert TEXT in decoded.text


def test_a_latin1_http_label_stays_when_the_page_says_nothing_else() -> None:
    body = "<p>café</p>".encode("latin-1")
    decoded = decode_body(body, "text/html; charset=ISO-8859-1")
    assert (decoded.encoding, decoded.source, decoded.text) == ("cp1252", "http", "<p>café</p>")
