"""The practical ceiling: asyncio + aiohttp + lxml, fetch and parse, store nothing.

``python -m bench.bare --base URL --limit N`` crawls the first N feeds of the farm's
manifest with a pool of workers, counts items per category and prints one JSON line.
``--conditional-gen G`` sends the validators of generation G (the 304 passes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from typing import Any

import aiohttp
from lxml import etree, html

ATOM = "{http://www.w3.org/2005/Atom}"
_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def parse(kind: str, body: bytes, charset: str) -> list[tuple[str, str, str]]:
    """(title, link, category) of each entry."""
    if kind == "rss":
        root = etree.fromstring(body, _XML)
        return [
            (i.findtext("title") or "", i.findtext("link") or "", i.findtext("category") or "")
            for i in root.iter("item")
        ]
    if kind == "atom":
        root = etree.fromstring(body, _XML)
        out = []
        for e in root.iter(f"{ATOM}entry"):
            link = e.find(f"{ATOM}link")
            cat = e.find(f"{ATOM}category")
            out.append(
                (
                    e.findtext(f"{ATOM}title") or "",
                    link.get("href", "") if link is not None else "",
                    cat.get("term", "") if cat is not None else "",
                )
            )
        return out
    doc = html.fromstring(body, parser=html.HTMLParser(encoding=charset))
    out = []
    for li in doc.iterfind(".//ul/li"):
        a = li.find("a")
        if a is None:
            continue
        cat = li.find("span")
        out.append((a.text_content(), a.get("href", ""), cat.text if cat is not None else ""))
    return out


async def crawl(args: argparse.Namespace) -> dict[str, Any]:
    conn = aiohttp.TCPConnector(limit=args.concurrency, limit_per_host=args.concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=conn, timeout=timeout) as http:
        async with http.get(f"{args.base}/manifest.json") as r:
            manifest = (await r.json())["feeds"][: args.limit]
        validators: dict[str, str] = {}
        if args.conditional_gen is not None:
            url = f"{args.base}/manifest.json?gen={args.conditional_gen}"
            async with http.get(url) as r:
                old = (await r.json())["feeds"][: args.limit]
            validators = {f["url"]: f["etag"] for f in old}
        expected = sum(f["items"] for f in manifest if validators.get(f["url"]) != f["etag"])
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        for feed in manifest:
            queue.put_nowait(feed)
        counts: Counter[str] = Counter()
        cats: Counter[str] = Counter()

        async def worker() -> None:
            while not queue.empty():
                feed = queue.get_nowait()
                headers = {}
                if feed["url"] in validators:
                    headers["If-None-Match"] = validators[feed["url"]]
                try:
                    async with http.get(feed["url"], headers=headers) as resp:
                        body = await resp.read()
                        status = resp.status
                        charset = resp.charset or "utf-8"
                except (aiohttp.ClientError, TimeoutError):
                    counts["failed"] += 1
                    continue
                if status == 304:
                    counts["not_modified"] += 1
                    continue
                if status != 200:
                    counts["failed"] += 1
                    continue
                entries = parse(feed["kind"], body, charset)
                counts["ok"] += 1
                counts["items"] += len(entries)
                cats.update(e[2] for e in entries)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        crawl_s = time.perf_counter() - started
    return {
        "crawler": "bare",
        "feeds": len(manifest),
        "ok": counts["ok"],
        "not_modified": counts["not_modified"],
        "failed": counts["failed"],
        "items": counts["items"],
        "expected_items": expected,
        "items_ok": counts["items"] == expected and counts["failed"] == 0,
        "categories": dict(cats),
        "crawl_s": round(crawl_s, 3),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bare", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--base", required=True, help="the farm, http://127.0.0.1:PORT")
    parser.add_argument("--limit", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--conditional-gen", type=int, default=None)
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(crawl(args)), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
