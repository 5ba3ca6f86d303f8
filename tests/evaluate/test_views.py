"""The evaluation builds its item views without their dataclass ``__init__`` (for
speed); what it builds must be the very objects the constructor would."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from monitor.evaluate import _view
from rules.api import ItemVersionView, ItemView

SEEN = datetime(2026, 11, 28, 12, tzinfo=UTC)


def _item_fields() -> dict[str, object]:
    version = ItemVersionView("h", SEEN, "t", "body", {"a": 1}, 7)
    return {
        "id": 1, "feed_id": 2, "key": "k", "title": "2026年8月财务公开", "category": "c",
        "url": "http://x/1", "formed_date": date(2026, 9, 1), "published_date": date(2026, 9, 2),
        "first_seen": SEEN, "last_seen": SEEN, "removed_at": None, "formed_text": "f",
        "published_text": "p", "meta": {"x": "y"}, "attachments": ({"url": "a"},),
        "text": "body", "versions": (version,), "feed_category": "fc", "attachment_texts": (),
    }  # fmt: skip


def test_views_equal_what_their_constructor_builds() -> None:
    fields = _item_fields()
    assert set(fields) == {f.name for f in dataclasses.fields(ItemView)}
    built, fast = ItemView(**fields), _view(ItemView, **fields)  # type: ignore[arg-type]
    assert fast == built and repr(fast) == repr(built) and hash(fast.id) == hash(built.id)
    assert dataclasses.asdict(fast) == dataclasses.asdict(built)
    version = {"content_hash": "h", "seen_at": SEEN, "title": "", "text": "", "meta": {},
               "evidence_id": None}  # fmt: skip
    assert _view(ItemVersionView, **version) == ItemVersionView(**version)  # type: ignore[arg-type]


def test_views_stay_frozen() -> None:
    fast = _view(ItemView, **_item_fields())
    try:
        fast.title = "changed"  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        return
    raise AssertionError("a view built without __init__ must still refuse assignment")
