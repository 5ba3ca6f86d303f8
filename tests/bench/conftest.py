"""A small farm process shared by the bench smoke tests."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def farm() -> Iterator[str]:
    """A 20-feed farm on a free loopback port (a fifth of the feeds change in gen 1)."""
    cmd = [
        sys.executable,
        "-m",
        "bench.farm",
        "--feeds",
        "20",
        "--changed-fraction",
        "0.2",
        "--max-seconds",
        "300",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        assert ready["ready"] is True
        yield str(ready["base"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
