"""atheris harness: the date parser never raises, and a day comes without an error.

python tests/reliability/fuzz/fuzz_dates.py -max_total_time=60
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _harness import run


def target(data: bytes) -> None:
    from monitor.parse.dates import from_epoch, parse_date

    parsed = parse_date(data.decode("utf-8", "replace"))
    assert parsed is None or (parsed.day is None) == (parsed.error is not None)
    if len(data) >= 8:
        epoch = from_epoch(int.from_bytes(data[:8], "little", signed=True))
        assert (epoch.day is None) == (epoch.error is not None)


if __name__ == "__main__":
    run(target, "monitor.parse.dates")
