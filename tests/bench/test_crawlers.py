"""Each crawler of the bench runs on the tiny farm and finds exactly the expected items."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.timing import alternate, run_process


def crawl(module: str, *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", ["bench.bare", "bench.spider"])
def test_peer_crawlers_cold_and_304(farm: str, module: str) -> None:
    if module == "bench.spider":
        pytest.importorskip("scrapy", reason="the bench extra: pip install -e '.[bench]'")
    cold = crawl(module, "--base", farm, "--limit", "20")
    assert cold["feeds"] == 20 and cold["ok"] == 20
    assert cold["items"] == cold["expected_items"] > 400
    assert cold["items_ok"] is True
    warm = crawl(module, "--base", farm, "--limit", "20", "--conditional-gen", "0")
    assert warm["not_modified"] == 20 and warm["items"] == 0


def test_our_crawl_runner_stores_the_farm(farm: str, tmp_path: Path) -> None:
    pytest.importorskip("monitor.crawl", reason="area A's crawl stage")
    db = tmp_path / "cold.db"
    prepared = crawl("bench.ours", "prepare", "--db", str(db), "--base", farm, "--limit", "20")
    assert prepared == {"prepared": 20}
    cold = crawl("bench.ours", "run", "--db", str(db), "--base", farm, "--limit", "20")
    assert cold["feeds"] == 20 and cold["failed"] == 0, cold
    assert cold["items"] == cold["expected_items"]
    warm = crawl(
        "bench.ours", "run", "--db", str(db), "--base", farm, "--limit", "20", "--baseline-gen", "0"
    )
    assert warm["not_modified"] == 20 and warm["items"] == 0


def test_timer_reads_rusage_and_alternates(tmp_path: Path) -> None:
    code = "import json; x = bytearray(30_000_000); print(json.dumps({'n': len(x)}))"
    run = run_process("big", [sys.executable, "-c", code], cpu=None)
    assert run.ok and run.out == {"n": 30_000_000}
    assert run.peak_rss_mb > 30
    order: list[str] = []
    cmds = {k: [sys.executable, "-c", "print('{}')"] for k in ("a", "b", "c")}
    runs = alternate(cmds, 2, before=lambda label, _r: order.append(label), cpu=None)
    assert order == ["a", "b", "c", "b", "c", "a"]
    assert all(len(v) == 2 for v in runs.values())


def test_shared_yardstick_manifest_rows_are_read() -> None:
    from bench.ours import _row

    row = _row(["/u/7/list.html", "list", 33, "gbk"], "http://127.0.0.1:9")
    assert row == {
        "uid": 7,
        "url": "http://127.0.0.1:9/u/7/list.html",
        "kind": "html",
        "items": 33,
        "charset": "gbk",
    }
