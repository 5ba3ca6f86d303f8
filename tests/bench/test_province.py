"""The synthetic province has the claimed shape, and the stage runners run on it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench import province, report
from monitor.store.db import make_engine
from monitor.store.models import Feed, Fetch, Item, ItemVersion, Unit


def test_generate_fills_the_store_with_the_shape(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    shape = province.generate(engine, units=400, items=4_000)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Unit)) == 400
        assert shape.counties == 2 and shape.towns == 24
        levels = dict(s.execute(select(Unit.level, func.count()).group_by(Unit.level)).all())
        assert levels == {"county": 2, "town": 24, "village": 374}
        assert s.scalar(select(func.count()).select_from(Feed)) == 800
        assert s.scalar(select(func.count()).select_from(Item)) == 4_000
        assert s.scalar(select(func.count()).select_from(ItemVersion)) == 4_000
        assert s.scalar(select(func.count()).select_from(Fetch)) == 3_200
        item = s.get(Item, 1)
        assert item is not None and item.published_date is not None
        assert item.first_seen.tzinfo is not None and item.meta["index_no"]
        village = s.get(Unit, 100)
        assert village is not None and village.parent_id is not None
    changed = province.touch_units(engine, 0.05)
    assert len(changed) == 19
    engine.dispose()


def stage(*args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.stages", *args], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_stage_runners_evaluate_and_score(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    common = ["--db", url, "--workdir", str(tmp_path)]
    gen = stage("generate", *common, "--units", "200", "--items", "2000")
    assert gen["items"] == 2000
    full = stage("evaluate", *common)
    assert full["stage"] == "evaluate_full" and full["units"] == 199 and not full["errors"]
    incr = stage("evaluate", *common, "--changed-fraction", "0.05")
    assert incr["stage"] == "evaluate_incremental" and incr["units"] == 9
    score = stage("score", *common, "--period", "2026-Q4")
    assert score["units"] == 200 and score["inserted"]


def test_report_marks_targets_met_and_missed() -> None:
    figs = [
        {
            "figure": "crawl_ratio",
            "pass": "cold",
            "latency_ms": "0",
            "ours_over": "scrapy",
            "feeds_per_s_ratio_median": 6.0,
            "per_round": [6.0],
        },
        {
            "figure": "crawl_ratio",
            "pass": "cold",
            "latency_ms": "0",
            "ours_over": "bare",
            "feeds_per_s_ratio_median": 0.1,
            "per_round": [0.1],
        },
        {
            "figure": "score",
            "units": 20,
            "items": 10,
            "seconds": 1.0,
            "backend": "sqlite",
            "wall_s": 2.0,
            "cpu_s": 1.0,
            "peak_rss_mb": 50.0,
            "ok": True,
            "detail": {},
        },
    ]
    rows = {r[0].split(" (")[0]: r[3] for r in report.targets(figs)}
    assert rows["crawl cold, feeds/s vs Scrapy"] == "yes"
    assert rows["crawl cold, feeds/s vs bare loop"] == "**no**"
    assert rows["scoring, all units, a quarter with roll-up"] == "yes"
    assert rows["evaluation, full pass"] == "not measured"
    md = report.markdown(figs, ["python -m bench.farm"], "python -m bench", 1.0)
    assert "| crawl cold, feeds/s vs Scrapy | ≥ 5 × | 6.00 × | yes |" in md
