"""The crawl stage: ``crawl(sessions, settings, feed_ids=None, now=None) -> CrawlReport``."""

from __future__ import annotations

from monitor.crawl.report import CrawlReport
from monitor.crawl.runner import crawl

__all__ = ["CrawlReport", "crawl"]
