"""The peer a user would otherwise pick: a Scrapy spider doing fetch + parse.

Idiomatic Scrapy (CrawlerProcess, one spider, its selectors, items yielded as dicts),
default settings except what a single-host farm needs: 64 requests in flight, also per
domain; no robots.txt, no AutoThrottle. Prints one JSON line like ``bench.bare``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from typing import Any, ClassVar

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response

ATOM_NS = {"a": "http://www.w3.org/2005/Atom"}


class FarmSpider(scrapy.Spider):
    name = "farm"
    custom_settings: ClassVar[dict[str, Any]] = {"HTTPERROR_ALLOWED_CODES": [304]}

    def __init__(self, base: str, limit: int, conditional_gen: int | None, **kw: Any) -> None:
        super().__init__(**kw)
        self.base, self.limit, self.conditional_gen = base, limit, conditional_gen
        self.counts: Counter[str] = Counter()
        self.cats: Counter[str] = Counter()
        self.expected = 0
        self.feeds = 0

    async def start(self) -> Any:
        yield scrapy.Request(f"{self.base}/manifest.json", callback=self.on_manifest)

    def on_manifest(self, response: Response) -> Any:
        feeds = json.loads(response.body)["feeds"][: self.limit]
        self.feeds = len(feeds)
        if self.conditional_gen is None:
            self.expected = sum(f["items"] for f in feeds)
            for feed in feeds:
                yield self._request(feed, None)
            return
        url = f"{self.base}/manifest.json?gen={self.conditional_gen}"
        yield scrapy.Request(url, callback=self.on_old_manifest, cb_kwargs={"feeds": feeds})

    def on_old_manifest(self, response: Response, feeds: list[dict[str, Any]]) -> Any:
        old = {f["url"]: f["etag"] for f in json.loads(response.body)["feeds"]}
        self.expected = sum(f["items"] for f in feeds if old.get(f["url"]) != f["etag"])
        for feed in feeds:
            yield self._request(feed, old.get(feed["url"]))

    def _request(self, feed: dict[str, Any], etag: str | None) -> scrapy.Request:
        headers = {"If-None-Match": etag} if etag else {}
        return scrapy.Request(
            feed["url"], headers=headers, callback=self.parse_feed, cb_kwargs={"kind": feed["kind"]}
        )

    def parse_feed(self, response: Response, kind: str) -> Any:
        if response.status == 304:
            self.counts["not_modified"] += 1
            return
        self.counts["ok"] += 1
        if kind == "rss":
            for node in response.xpath("//item"):
                yield self._item(
                    node.xpath("title/text()").get(),
                    node.xpath("link/text()").get(),
                    node.xpath("category/text()").get(),
                )
        elif kind == "atom":
            response.selector.register_namespace("a", ATOM_NS["a"])
            for node in response.xpath("//a:entry"):
                yield self._item(
                    node.xpath("a:title/text()").get(),
                    node.xpath("a:link/@href").get(),
                    node.xpath("a:category/@term").get(),
                )
        else:
            for node in response.css("ul.news-list > li"):
                yield self._item(
                    node.css("a::text").get(),
                    node.css("a::attr(href)").get(),
                    node.css("span.cat::text").get(),
                )

    def _item(self, title: str | None, link: str | None, cat: str | None) -> dict[str, Any]:
        self.counts["items"] += 1
        self.cats[cat or ""] += 1
        return {"title": title, "link": link, "category": cat}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.spider", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--base", required=True)
    parser.add_argument("--limit", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--conditional-gen", type=int, default=None)
    args = parser.parse_args(argv)
    process = CrawlerProcess(
        {
            "CONCURRENT_REQUESTS": args.concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency,
            "ROBOTSTXT_OBEY": False,
            "AUTOTHROTTLE_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "WARNING",
            "DOWNLOAD_TIMEOUT": 30,
            "CLOSESPIDER_TIMEOUT": 900,
        }
    )
    crawler = process.create_crawler(FarmSpider)
    started = time.perf_counter()
    process.crawl(crawler, base=args.base, limit=args.limit, conditional_gen=args.conditional_gen)
    process.start()
    spider = crawler.spider
    failed = spider.feeds - spider.counts["ok"] - spider.counts["not_modified"]
    out = {
        "crawler": "scrapy",
        "feeds": spider.feeds,
        "ok": spider.counts["ok"],
        "not_modified": spider.counts["not_modified"],
        "failed": failed,
        "items": spider.counts["items"],
        "expected_items": spider.expected,
        "items_ok": spider.counts["items"] == spider.expected and failed == 0,
        "categories": dict(spider.cats),
        "crawl_s": round(time.perf_counter() - started, 3),
    }
    print(json.dumps(out, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
