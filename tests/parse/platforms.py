"""Measured accuracy of reading county platforms with no options (``make accuracy``).

The labelled set under ``tests/fixtures/platforms/``: pages written in the shapes of
TRS WCM, Hanweb jcms, provincial 集约化 platforms and small vendors, each with a YAML
of what a person reads on it. Every page is read as the crawl would read it with no
options (list pages with the list finder, detail pages with the metadata reader),
and each field is counted: expected, found right, and extra (a value where the page
shows none, or an entry that is not on the list).

The public corpus joins for feeds: each feed of ``../shared/corpus`` that feedparser
reads without complaint is read by the monitor too, and its entries' titles and
links compared with feedparser's.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

import yaml

from monitor.fetch import decode_body
from monitor.parse import parse_date, parse_detail, parse_feed, parse_html_list, parse_json

ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "platforms"
FIELDS = (
    ("title", "title"),
    ("link", "link"),
    ("date", "date"),
    ("index_no", "索引号"),
    ("publisher", "发布机构"),
    ("formed", "成文日期"),
    ("published", "发布日期"),
    ("doc_no", "文号"),
    ("category", "分类"),
    ("attachments", "attachments"),
    ("next", "next page"),
)
DATE_FIELDS = frozenset({"date", "formed", "published"})


@dataclass
class Tally:
    expected: Counter[str] = field(default_factory=Counter)
    found: Counter[str] = field(default_factory=Counter)
    extra: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)
    pages: int = 0

    def count(self, name: str, want: Any, got: Any, where: str) -> None:
        if want in (None, "", []):
            if got not in (None, "", []):
                self.extra[name] += 1
                self.misses.append(f"{where}: {name} extra {got!r}")
            return
        self.expected[name] += 1
        if _same(name, want, got):
            self.found[name] += 1
        else:
            self.misses.append(f"{where}: {name} {got!r} != {want!r}")

    def rate(self, name: str) -> float:
        return self.found[name] / self.expected[name] if self.expected[name] else 1.0


def _url(value: Any) -> str:
    """A URL compared by meaning: query parameters in any order, escaped or not."""
    parts = urlsplit(str(value))
    query = sorted(parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit(parts._replace(path=unquote(parts.path), query=str(query)))


def _same(name: str, want: Any, got: Any) -> bool:
    if got is None:
        return False
    if name in ("link", "next", "attachments"):
        return _url(want) == _url(got)
    if name in DATE_FIELDS:
        parsed = parse_date(str(got))
        return parsed is not None and parsed.day is not None and parsed.day.isoformat() == want
    return " ".join(str(got).split()) == " ".join(str(want).split())


def labelled_pages(root: Path = ROOT) -> list[tuple[Path, dict[str, Any]]]:
    pages = []
    for expect_path in sorted(root.rglob("*.yaml")):
        page = next(
            (p for p in expect_path.parent.glob(expect_path.stem + ".*") if p.suffix != ".yaml"),
            None,
        )
        if page is not None:
            pages.append((page, yaml.safe_load(expect_path.read_text(encoding="utf-8"))))
    return pages


def read_page(path: Path, expect: dict[str, Any]) -> Any:
    text = decode_body(path.read_bytes()).text
    if expect["kind"] == "detail":
        return parse_detail(text, expect["url"], {})
    if path.suffix == ".json":
        return parse_json(text, expect["url"], {})
    return parse_html_list(text, expect["url"], {})


def measure(root: Path = ROOT) -> Tally:
    tally = Tally()
    for path, expect in labelled_pages(root):
        tally.pages += 1
        where = str(path.relative_to(root))
        got = read_page(path, expect)
        if expect["kind"] == "detail":
            tally.count("title", expect.get("title"), got.title, where)
            for name, _ in FIELDS[3:9]:
                tally.count(name, expect.get(name), got.meta.get(name), where)
            found = {a["url"] for a in got.attachments}
            for url in expect.get("attachments") or []:
                tally.count("attachments", url, url if url in found else None, where)
            for url in found - set(expect.get("attachments") or []):
                tally.count("attachments", None, url, where)
            continue
        entries = {e.url: e for e in got.entries}
        for want in expect["entries"]:
            entry = entries.pop(want["link"], None)
            tally.count("link", want["link"], entry.url if entry else None, where)
            tally.count("title", want["title"], entry.title if entry else None, where)
            tally.count("date", want["date"], entry.published if entry else None, where)
        for url in entries:
            tally.count("link", None, url, where)
        tally.count("next", expect.get("next"), got.next_url, where)
    return tally


def corpus_feeds(corpus: Path) -> Tally:
    """Feeds of the public corpus, compared with what feedparser reads in them."""
    import feedparser

    tally = Tally()
    for path in sorted(corpus.rglob("*.xml")):
        body = path.read_bytes()
        reference = feedparser.parse(body)
        if reference.bozo or not reference.entries:
            continue  # feedparser's own reading is in doubt: no reference
        try:
            page = parse_feed(decode_body(body).text, "", {})
        except Exception as exc:
            tally.misses.append(f"{path.name}: {exc}")
            page = None
        tally.pages += 1
        ours = page.entries if page is not None else []
        for index, want in enumerate(reference.entries):
            entry = ours[index] if index < len(ours) else None
            where = f"{path.relative_to(corpus)}#{index}"
            tally.count("title", _plain(want.get("title")), entry.title if entry else None, where)
            tally.count("link", want.get("link"), entry.url if entry else None, where)
    return tally


def _plain(value: Any) -> str | None:
    return " ".join(str(value).split()) if value else None


def table(tally: Tally, title: str) -> str:
    lines = [title, f"{'field':<12} {'found/expected':>15} {'rate':>8} {'extra':>6}"]
    for name, label in FIELDS:
        if not tally.expected[name] and not tally.extra[name]:
            continue
        rate = f"{100 * tally.rate(name):.1f}%"
        lines.append(
            f"{label:<12} {tally.found[name]:>7}/{tally.expected[name]:<7} {rate:>8} "
            f"{tally.extra[name]:>6}"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    tally = measure()
    print(table(tally, f"labelled platform pages ({tally.pages} pages, read with no options)"))
    if "-v" in argv:
        print("\n".join(tally.misses))
    from tests.conftest import CORPUS as corpus

    if corpus.is_dir():
        feeds = corpus_feeds(corpus)
        print()
        print(table(feeds, f"public corpus feeds ({feeds.pages} feeds, against feedparser)"))
        if "-v" in argv:
            print("\n".join(feeds.misses))
    else:
        print("\n(the public corpus ../shared/corpus is not present: feeds not measured)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
