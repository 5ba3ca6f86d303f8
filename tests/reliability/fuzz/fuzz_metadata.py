"""atheris harness: the metadata extractor on a detail page whose table cells, meta
tags and comments come from the fuzzer, then the dates it found, as the crawl reads them.

    python tests/reliability/fuzz/fuzz_metadata.py -max_total_time=60
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _harness import run

LABELS = ("索引号", "信息分类", "发布机构", "成文日期", "发布日期", "文号", "主题词", "有效性")


def target(data: bytes) -> None:
    import atheris

    from monitor.parse import ParseError, parse_date, parse_detail

    provider = atheris.FuzzedDataProvider(data)
    cells = "".join(
        f"<tr><td>{LABELS[provider.ConsumeIntInRange(0, 7)]}：</td>"
        f"<td>{provider.ConsumeUnicodeNoSurrogates(40)}</td></tr>"
        for _ in range(provider.ConsumeIntInRange(0, 8))
    )
    comment = provider.ConsumeUnicodeNoSurrogates(60)
    meta = provider.ConsumeUnicodeNoSurrogates(40).replace('"', "")
    page = (
        f'<html><head><meta name="PubDate" content="{meta}"></head><body>'
        f"<table class='xxgk'>{cells}</table><!-- {comment} -->"
        f"<div class='content'>{provider.ConsumeUnicodeNoSurrogates(200)}</div></body></html>"
    )
    try:
        detail = parse_detail(page, "http://town.example.gov.cn/gk/1.html", {})
    except ParseError:
        return
    for key in ("formed", "published"):
        parsed = parse_date(detail.meta.get(key))
        assert parsed is None or (parsed.day is None) == (parsed.error is not None)


if __name__ == "__main__":
    run(target, "monitor.parse.detail", "monitor.parse.dates")
