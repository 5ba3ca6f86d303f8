"""The farm serves what its manifest claims: documents, validators, 304s, generations."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from bench import feeds
from bench.bare import parse
from bench.farm import FarmState, parse_latency


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def manifest(base: str, gen: int | None = None) -> list[dict[str, Any]]:
    suffix = "" if gen is None else f"?gen={gen}"
    return list(json.loads(get(f"{base}/manifest.json{suffix}")[2])["feeds"])


def test_every_feed_holds_the_items_the_manifest_claims(farm: str) -> None:
    rows = manifest(farm)
    assert len(rows) == 20
    assert {r["kind"] for r in rows} == {"rss", "atom", "html"}
    assert "GBK" in {r["charset"] for r in rows}
    for row in rows:
        status, headers, body = get(row["url"])
        assert status == 200
        assert headers["ETag"] == row["etag"]
        assert row["charset"] in headers["Content-Type"]
        entries = parse(row["kind"], body, row["charset"])
        assert len(entries) == row["items"]
        assert 20 <= row["items"] <= 60
        assert all(cat in feeds.CATEGORIES for _, _, cat in entries)


def test_conditional_gets_are_answered_304(farm: str) -> None:
    row = manifest(farm)[0]
    status, _, body = get(row["url"], {"If-None-Match": row["etag"]})
    assert (status, body) == (304, b"")
    status, _, _ = get(row["url"], {"If-Modified-Since": row["last_modified"]})
    assert status == 304
    status, _, _ = get(row["url"], {"If-None-Match": '"stale"'})
    assert status == 200


def test_generation_one_adds_an_item_to_the_changed_feeds_only(farm: str) -> None:
    before = {r["url"]: r for r in manifest(farm, 0)}
    get(f"{farm}/_admin?gen=1")
    try:
        after = manifest(farm)
        changed = [r for r in after if r["changed"]]
        assert changed, "a fifth of 20 feeds should change"
        for row in after:
            old = before[row["url"]]
            status, _, _ = get(row["url"], {"If-None-Match": old["etag"]})
            if row["changed"]:
                assert status == 200
                assert row["items"] == old["items"] + 1
            else:
                assert status == 304
    finally:
        get(f"{farm}/_admin?gen=0")


def test_latency_setting_is_applied_and_requests_still_answer(farm: str) -> None:
    _status, _, body = get(f"{farm}/_admin?latency=5-10")
    assert json.loads(body)["latency"] == [5, 10]
    try:
        row = manifest(farm)[3]
        assert get(row["url"])[0] == 200
    finally:
        get(f"{farm}/_admin?latency=0")


def test_unknown_paths_are_404(farm: str) -> None:
    assert get(f"{farm}/u/999/rss.xml")[0] == 404


def test_latency_is_reproducible_and_within_bounds() -> None:
    a = FarmState(seed=1, count=0, base="", latency=(20, 180))
    b = FarmState(seed=1, count=0, base="", latency=(20, 180))
    waits = [a.delay(f"/u/{i % 3}/rss.xml") for i in range(30)]
    assert waits == [b.delay(f"/u/{i % 3}/rss.xml") for i in range(30)]
    assert all(0.020 <= w <= 0.180 for w in waits)
    assert len(set(waits)) > 1
    with pytest.raises(ValueError):
        parse_latency("180-20")


def test_documents_are_deterministic() -> None:
    one = feeds.render(7, 3, "http://127.0.0.1:1")
    two = feeds.render(7, 3, "http://127.0.0.1:1")
    assert one.body == two.body and one.etag == two.etag
    assert feeds.render(8, 3, "http://127.0.0.1:1").body != one.body
