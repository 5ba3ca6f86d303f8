"""The human side of a bench run: a terminal table and ``bench/RESULTS.md``."""

from __future__ import annotations

import json
import os
import platform
import re
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("aiohttp", "lxml", "scrapy", "uvloop", "sqlalchemy", "twisted")


def machine() -> str:
    cpu = "unknown CPU"
    info = Path("/proc/cpuinfo")
    if info.exists():
        m = re.search(r"model name\s*:\s*(.+)", info.read_text())
        cpu = m[1].strip() if m else cpu
    mem = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        m = re.search(r"MemTotal:\s*(\d+)", meminfo.read_text())
        mem = f", {int(m[1]) / 1024 / 1024:.0f} GiB" if m else ""
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return (
        f"{os.cpu_count()} CPU ({cpu}){mem}, {platform.system()} {platform.release()}, "
        f"CPython {platform.python_version()}; {', '.join(versions)}"
    )


def _crawl(figs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in figs if f.get("figure") == "crawl"]


def _find(figs: list[dict[str, Any]], **want: Any) -> dict[str, Any] | None:
    for f in figs:
        if all(f.get(k) == v for k, v in want.items()):
            return f
    return None


def _fmt(x: Any, nd: int = 2) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:,.{nd}f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def table(figs: list[dict[str, Any]]) -> str:
    rows = [
        "pass          latency  crawler  feeds   wall_s  feeds/s  items/s  in-proc f/s  RSS MB  ok"
    ]
    for f in _crawl(figs):
        rows.append(
            f"{f['pass']:<13} {f['latency_ms']:<8} {f['crawler']:<8} {f['feeds']:<7} "
            f"{_fmt(f['wall_s']):>6} {_fmt(f['feeds_per_s'], 0):>8} {_fmt(f['items_per_s'], 0):>8} "
            f"{_fmt(f['feeds_per_s_in_process'], 0):>11} {_fmt(f['peak_rss_mb'], 0):>7}  "
            f"{f['items_ok']}"
        )
    for f in figs:
        if f.get("figure") == "crawl_ratio":
            rows.append(
                f"ratio ours/{f['ours_over']} {f['pass']} {f['latency_ms']} ms: "
                f"{_fmt(f['feeds_per_s_ratio_median'])} per round {f['per_round']}"
            )
        if f.get("figure") in ("generate", "evaluate_full", "evaluate_incremental", "score"):
            rows.append(
                f"{f['figure']:<21} in-process {_fmt(f['seconds'])} s, wall "
                f"{_fmt(f['wall_s'])} s, RSS {_fmt(f['peak_rss_mb'], 0)} MB, ok {f['ok']}"
            )
    return "\n".join(rows)


def targets(figs: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(figure, target, measured, met) rows of issue 8's table."""
    out: list[tuple[str, str, str, str]] = []

    def ratio(other: str) -> float | None:
        f = next(
            (
                g
                for g in figs
                if g.get("figure") == "crawl_ratio"
                and g["ours_over"] == other
                and g["latency_ms"] == "0"
                and g["pass"] == "cold"
            ),
            None,
        )
        return f.get("feeds_per_s_ratio_median") if f else None

    def met(ok: bool | None) -> str:
        return "not measured" if ok is None else "yes" if ok else "**no**"

    r = ratio("scrapy")
    out.append(
        (
            "crawl cold, feeds/s vs Scrapy",
            "≥ 5 ×",
            f"{_fmt(r)} ×",
            met(None if r is None else r >= 5),
        )
    )
    r = ratio("bare")
    out.append(
        (
            "crawl cold, feeds/s vs bare loop",
            "≥ 0.4 ×",
            f"{_fmt(r)} ×",
            met(None if r is None else r >= 0.4),
        )
    )
    w = next(
        (
            f
            for f in _crawl(figs)
            if f["crawler"] == "ours"
            and f["pass"] == "warm"
            and f["latency_ms"] == "0"
            and f["ok_runs"]
        ),
        None,
    )
    if w:
        out.append(
            (
                "crawl warm (304), feeds/s",
                "≥ 3,000",
                f"{_fmt(w['feeds_per_s_in_process'], 0)} in-process, "
                f"{_fmt(w['feeds_per_s'], 0)} whole process ({w['feeds']:,} feeds)",
                met((w["feeds_per_s_in_process"] or 0) >= 3000),
            )
        )
    else:
        out.append(("crawl warm (304), feeds/s", "≥ 3,000", "—", met(None)))
    for name, label, limit in (
        ("evaluate_full", "evaluation, full pass", 60.0),
        ("evaluate_incremental", "evaluation, incremental after 1 % changed", 2.0),
        ("score", "scoring, all units, a quarter with roll-up", 10.0),
    ):
        f = _find(figs, figure=name)
        s = f.get("seconds") if f else None
        size = f" ({f['units']:,} units, {f['items']:,} items, {f['backend']})" if f else ""
        cpu = f" (process CPU {_fmt(f['cpu_s'])} s)" if f else ""
        out.append(
            (
                label + size,
                f"≤ {limit:g} s",
                f"{_fmt(s)} s{cpu}",
                met(None if s is None else s <= limit),
            )
        )
    al = _find(figs, figure="alert_latency")
    if al and al.get("measured"):
        out.append(
            (
                f"alert latency after fetch, p95 ({al['alerts_received']} of {al['changed_feeds']}"
                " changed feeds, 2 workers)",
                "≤ 2 s",
                f"{_fmt(al['p95_s'])} s (p50 {_fmt(al['p50_s'])} s)",
                met(al["p95_s"] <= 2.0),
            )
        )
    else:
        out.append(("alert latency after fetch, p95", "≤ 2 s", "—", met(None)))
    ours = [f for f in _crawl(figs) if f["crawler"] == "ours" and f["ok_runs"]]
    if ours:
        peak = max(f["peak_rss_mb"] for f in ours)
        out.append(
            (
                f"crawler peak RSS at {ours[0]['feeds']:,} feeds",
                "≤ 250 MB",
                f"{peak:,.0f} MB",
                met(peak <= 250),
            )
        )
    else:
        out.append(("crawler peak RSS", "≤ 250 MB", "—", met(None)))
    return out


def markdown(figs: list[dict[str, Any]], commands: list[str], argv: str, total_s: float) -> str:
    lines = [
        "# Benchmark results (issue 8)",
        "",
        f"Written by `{argv}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {total_s:,.0f} s.",
        f"Machine: {machine()}. Shared with other work while measured: absolute times drift,"
        " the paired ratios are the figures to quote. How to read them and the arithmetic"
        " for larger deployments: `docs/scale.md`.",
        "",
        "## Targets",
        "",
        "| figure | target | measured | met |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in targets(figs)]
    lines += [
        "",
        "## Crawl (medians of whole-process runs; farm on CPU 1, crawler on CPU 0)",
        "",
        "feeds/s and items/s divide by the whole-process wall time (start-up and imports"
        " included); in-process feeds/s uses the crawler's own timer. Peak RSS is the"
        ' largest of the runs (kernel rusage). "ok": every run found exactly the'
        " expected new items and had no failed fetch.",
        "",
        "| pass | latency ms | crawler | feeds | runs ok | wall s median (min–max) | feeds/s"
        " | items/s | in-process feeds/s | CPU s | peak RSS MB | ok |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for f in _crawl(figs):
        lines.append(
            f"| {f['pass']} | {f['latency_ms']} | {f['crawler']} | {f['feeds']:,} | "
            f"{f['ok_runs']}/{f['runs']} | {_fmt(f['wall_s'])} ({_fmt(f['wall_min'])}–"
            f"{_fmt(f['wall_max'])}) | {_fmt(f['feeds_per_s'], 0)} | {_fmt(f['items_per_s'], 0)} | "
            f"{_fmt(f['feeds_per_s_in_process'], 0)} | {_fmt(f['cpu_s'])} | "
            f"{_fmt(f['peak_rss_mb'], 0)} | {'yes' if f['items_ok'] else 'no'} |"
        )
    errors = [f for f in _crawl(figs) if f.get("error")]
    if errors:
        lines += ["", "Failed runs:", ""]
        lines += [
            f"- {f['pass']} {f['latency_ms']} ms {f['crawler']}: `{str(f['error'])[:300]}`"
            for f in errors
        ]
    lines += [
        "",
        "## Crawl ratios (ours ÷ other, feeds/s, paired round by round, median)",
        "",
        "| pass | latency ms | ours ÷ | median | per round | feeds per CPU-second, median |",
        "| --- | --- | --- | ---: | --- | ---: |",
    ]
    for f in figs:
        if f.get("figure") == "crawl_ratio":
            lines.append(
                f"| {f['pass']} | {f['latency_ms']} | {f['ours_over']} | "
                f"{_fmt(f['feeds_per_s_ratio_median'])} | {f['per_round']} | "
                f"{_fmt(f.get('cpu_ratio_median'))} |"
            )
    lines += [
        "",
        "## Evaluation and scoring (synthetic province)",
        "",
        "| stage | backend | units | items | stage s (in-process) | process wall s | CPU s"
        " | peak RSS MB | ok |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for f in figs:
        if f.get("figure") in ("generate", "evaluate_full", "evaluate_incremental", "score"):
            lines.append(
                f"| {f['figure']} | {f['backend']} | {f['units']:,} | {f['items']:,} | "
                f"{_fmt(f['seconds'])} | {_fmt(f['wall_s'])} | {_fmt(f['cpu_s'])} | "
                f"{_fmt(f['peak_rss_mb'], 0)} | {'yes' if f['ok'] else 'no'} |"
            )
    details = [
        f for f in figs if f.get("figure") in ("evaluate_full", "evaluate_incremental", "score")
    ]
    if details:
        lines += ["", "Stage reports:", ""]
        lines += [f"- {f['figure']}: `{f['detail']}`" for f in details]
    farm = next((f for f in figs if f.get("figure") == "farm"), None)
    lines += ["", "## Commands", ""]
    if farm:
        lines.append(
            f"Farm: {farm['feeds']:,} feeds, {farm['items']:,} items (generation 0),"
            f" rendered in {farm['build_s']} s. Each crawler command below ran as a fresh"
            " process per round, order rotated every round."
        )
        lines.append("")
    lines += ["```", argv, *commands, "```", ""]
    al = _find(figs, figure="alert_latency")
    if al:
        lines += [
            "## Alert latency (distributed mode)",
            "",
            "Two `monitor worker` processes (every queue, pool solo) on Redis and PostgreSQL; a"
            " fifth of the farm's feeds gain an item exposing a mobile number; one `crawl_feed`"
            " task per changed RSS/Atom feed is queued at once. Latency = arrival of the unit's"
            " `privacy.personal_data` alert at the webhook − end of the feed's fetch (Fetch"
            ' start + duration); "from enqueue" counts from the moment the burst was queued.',
            "",
            f"`{json.dumps(al, ensure_ascii=False)}`",
            "",
        ]
    return "\n".join(lines)
