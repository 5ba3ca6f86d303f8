"""atheris harness: JSON listings with a field mapping.

python tests/reliability/fuzz/fuzz_json.py -max_total_time=60
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _harness import run

OPTIONS = {"items": "data.list", "fields": {"key": "id", "published": "time", "formed": "cw"}}


def target(data: bytes) -> None:
    from monitor.parse import ParseError, parse_json

    text = data.decode("utf-8", "replace")
    for options in ({}, OPTIONS):
        try:
            page = parse_json(text, "http://town.example.gov.cn/api/list", options)
        except ParseError:
            continue
        assert len(page.entries) <= len(text)


if __name__ == "__main__":
    run(target, "monitor.parse.json_api")
