"""The hashes stored on items are compared with later crawls' hashes: the faster
canonical JSON must produce exactly json.dumps' text."""

from __future__ import annotations

import json

import pytest

from monitor.crawl.content import canonical_json

CASES = [
    ["标题", "http://x/y.html", "村务公开", "2026-11-02", None, {"b": 1, "a": "二"}, "正文", []],
    {"z": [1.5, 2, True, None, -0.0, 1e20, 10**30], "a": {"n": [{}]}, "中": '\n\t"\\\u2028'},
    "a string",
    "",
    3,
    2.5,
    None,
    [],
    {},
]


@pytest.mark.parametrize("data", CASES)
def test_canonical_json_is_json_dumps_byte_for_byte(data: object) -> None:
    expected = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert canonical_json(data) == expected
