"""One pipeline stage over a prepared store, in its own process, as one JSON line.

    python -m bench.stages generate  --db URL --units N --items M
    python -m bench.stages evaluate  --db URL --as-of ISO [--changed-fraction F]
    python -m bench.stages score     --db URL --as-of ISO --period 2026-Q4

``evaluate`` without ``--changed-fraction`` is the full pass; with it, the process
first adds an item to that fraction of units (untimed) and then evaluates only those
units: the incremental pass. ``seconds`` is the stage call itself, commit included;
the bench reads the whole process's wall time and peak RSS from outside.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from monitor.settings import Settings
from monitor.store.db import make_engine, make_sessionmaker


def stage_settings(url: str, workdir: Path) -> Settings:
    return Settings(database_url=url, data_dir=workdir, allowed_networks=["127.0.0.0/8"])


def do_generate(args: argparse.Namespace) -> dict[str, Any]:
    from bench import province

    engine = make_engine(args.db)
    started = time.perf_counter()
    s = province.generate(engine, args.units, args.items)
    generated = time.perf_counter() - started
    # Statistics, as autovacuum keeps them on a live store: a PostgreSQL store just
    # loaded by COPY has none, and the evaluation's plans were guesses (a two-worker
    # full pass took 72-88 s before ANALYZE, 32-35 s after).
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return {
        "stage": "generate",
        "seconds": round(generated, 3),
        "analyze_seconds": round(time.perf_counter() - started - generated, 3),
        "units": s.units,
        "counties": s.counties,
        "towns": s.towns,
        "villages": s.villages,
        "feeds": s.feeds,
        "items": s.items,
    }


def do_evaluate(args: argparse.Namespace) -> dict[str, Any]:
    try:
        from monitor.evaluate import evaluate
    except ImportError as exc:
        return {"stage": "evaluate", "error": f"monitor.evaluate not available: {exc}"}
    from bench import province
    from monitor.store.models import Finding

    engine = make_engine(args.db)
    unit_ids = None
    if args.changed_fraction:
        unit_ids = province.touch_units(engine, args.changed_fraction)
    settings = stage_settings(args.db, args.workdir)
    sessions = make_sessionmaker(engine)
    as_of = datetime.fromisoformat(args.as_of)
    started = time.perf_counter()
    with sessions() as session:
        report = evaluate(session, settings, as_of=as_of, unit_ids=unit_ids)
        session.commit()
    seconds = time.perf_counter() - started
    with sessions() as session:
        open_findings = session.scalar(
            select(func.count()).select_from(Finding).where(Finding.status == "open")
        )
    return {
        "stage": "evaluate_incremental" if unit_ids else "evaluate_full",
        "seconds": round(seconds, 3),
        "units": report.units,
        "periods": report.periods,
        "evaluations": report.evaluations,
        "findings": report.findings,
        "opened": len(report.opened),
        "cleared": len(report.cleared),
        "open_findings_in_store": open_findings,
        "errors": report.errors[:5],
    }


def do_score(args: argparse.Namespace) -> dict[str, Any]:
    try:
        from monitor.scoring import compute_scores
    except ImportError as exc:
        return {"stage": "score", "error": f"monitor.scoring not available: {exc}"}
    from rules.api import Period

    engine = make_engine(args.db)
    settings = stage_settings(args.db, args.workdir)
    sessions = make_sessionmaker(engine)
    as_of = datetime.fromisoformat(args.as_of)
    started = time.perf_counter()
    with sessions() as session:
        report = compute_scores(session, settings, period=Period.parse(args.period), as_of=as_of)
        session.commit()
    seconds = time.perf_counter() - started
    return {
        "stage": "score",
        "seconds": round(seconds, 3),
        "period": args.period,
        "units": report.units,
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.stages", description=__doc__.split("\n")[0]
    )
    parser.add_argument("stage", choices=["generate", "evaluate", "score"])
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of the store")
    parser.add_argument("--workdir", type=Path, default=Path("var/bench"))
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--as-of", default=datetime(2026, 11, 28, 12, tzinfo=UTC).isoformat())
    parser.add_argument("--period", default="2026-Q4")
    parser.add_argument("--changed-fraction", type=float, default=0.0)
    args = parser.parse_args(argv)
    handler = {"generate": do_generate, "evaluate": do_evaluate, "score": do_score}[args.stage]
    out = handler(args)
    print(json.dumps(out, ensure_ascii=False, default=str), flush=True)
    if "error" in out:
        sys.exit(3)


if __name__ == "__main__":
    main()
