"""atheris harness: HTML list pages with the default and a table layout.

python tests/reliability/fuzz/fuzz_html_list.py -max_total_time=60
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _harness import run

OPTIONS = ({}, {"item": "tr", "link": "td a", "date": "td:last-child", "next": "a.next"})


def target(data: bytes) -> None:
    from monitor.parse import ParseError, parse_html_list

    options = OPTIONS[data[0] % 2] if data else {}
    text = data[1:].decode("utf-8", "replace")
    try:
        page = parse_html_list(text, "http://town.example.gov.cn/gk/", options)
    except ParseError:
        return
    assert len(page.entries) <= len(text)


if __name__ == "__main__":
    run(target, "monitor.parse.html_list")
