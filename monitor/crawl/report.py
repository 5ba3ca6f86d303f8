"""What a crawl did, for the pipeline, the CLI and the logs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class CrawlReport:
    feeds: int = 0
    fetches: int = 0
    ok: int = 0
    not_modified: int = 0
    failed: int = 0
    items_new: int = 0
    items_changed: int = 0
    items_removed: int = 0
    # Requests not sent this crawl (a host's queue past crawl.max_wait_seconds, or the
    # crawl's memory bound): nothing learnt, a later crawl reads them.
    deferred: int = 0
    # Listing entries past crawl.max_entries_per_feed / max_entries_per_crawl.
    entries_skipped: int = 0
    # Characters PostgreSQL refuses (NUL, lone surrogates) removed from parsed fields.
    characters_cleaned: int = 0
    changed_unit_ids: set[int] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "feeds": self.feeds,
            "fetches": self.fetches,
            "ok": self.ok,
            "not_modified": self.not_modified,
            "failed": self.failed,
            "items_new": self.items_new,
            "items_changed": self.items_changed,
            "items_removed": self.items_removed,
            "deferred": self.deferred,
            "entries_skipped": self.entries_skipped,
            "characters_cleaned": self.characters_cleaned,
            "changed_unit_ids": sorted(self.changed_unit_ids),
            "errors": self.errors,
        }
