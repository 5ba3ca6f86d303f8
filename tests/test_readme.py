"""The README's examples work as written."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.demo.district import units_csv_path
from monitor.store.models import Feed
from monitor.units import import_feeds, import_units

README = Path(__file__).resolve().parents[1] / "README.md"


def test_feed_example_imports(sqlite_sessions: sessionmaker[Session], tmp_path: Path) -> None:
    block = re.search(r"```yaml\n(# feeds\.yaml\n.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert block is not None
    path = tmp_path / "feeds.yaml"
    path.write_text(block.group(1), encoding="utf-8")
    with sqlite_sessions.begin() as s:
        import_units(s, units_csv_path())
        assert import_feeds(s, path) == 1
    with sqlite_sessions() as s:
        feed = s.scalars(select(Feed)).one()
    assert feed.kind == "html"
    assert feed.options["item"] == "table.newslist tr"
    assert feed.options["max_pages"] == 3
