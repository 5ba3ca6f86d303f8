"""atheris harness: RSS/Atom parser. Only ParseError is an expected failure.

python tests/reliability/fuzz/fuzz_feed.py -max_total_time=60
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _harness import run


def target(data: bytes) -> None:
    from monitor.parse import ParseError, parse_feed

    text = data.decode("utf-8", "replace")
    try:
        page = parse_feed(text, "http://town.example.gov.cn/rss.xml", {})
    except ParseError:
        return
    assert len(page.entries) <= len(text)


if __name__ == "__main__":
    run(target, "monitor.parse.feeds")
