"""atheris harness: detail pages (metadata table, comments, meta tags, attachments).

python tests/reliability/fuzz/fuzz_detail.py -max_total_time=60
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _harness import run


def target(data: bytes) -> None:
    from monitor.parse import ParseError, parse_detail

    text = data.decode("utf-8", "replace")
    try:
        detail = parse_detail(text, "http://town.example.gov.cn/gk/1.html", {})
    except ParseError:
        return
    assert len(detail.text) <= len(text)
    assert all(len(value) <= len(text) for value in detail.meta.values())


if __name__ == "__main__":
    run(target, "monitor.parse.detail")
