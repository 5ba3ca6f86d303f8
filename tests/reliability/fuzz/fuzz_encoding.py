"""atheris harness: body decoding. Only UndecodableBody is an expected failure; the
text has at most one character per byte.

    python tests/reliability/fuzz/fuzz_encoding.py -max_total_time=60
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _harness import run

TYPES = (None, "text/html; charset=gbk", "text/xml; charset=utf-8", "text/html; charset=bogus")


def target(data: bytes) -> None:
    from monitor.fetch import UndecodableBody, decode_body

    content_type = TYPES[data[0] % len(TYPES)] if data else None
    try:
        decoded = decode_body(data[1:], content_type)
    except UndecodableBody:
        return
    assert len(decoded.text) <= len(data)


if __name__ == "__main__":
    run(target, "monitor.fetch.encoding")
