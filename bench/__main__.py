"""``python -m bench`` (``make bench``): every figure of issue 8 in one run.

Starts the feed farm on CPU 1, then times, each as a fresh process on CPU 0:
our crawl stage, a Scrapy spider and a bare aiohttp + lxml loop, alternating round
by round, for the cold, warm (304) and warm-changed (1 %) passes with no latency and
with 20-180 ms; then generates a synthetic province and times the full and the
incremental evaluation and the scoring of a quarter. Prints one JSON line per figure
and a table, and writes ``bench/RESULTS.md`` with the command lines used.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report
from bench.timing import Run, alternate, median, paired_ratios, pinned, run_process

PASSES = ("cold", "warm", "warm_changed")
CRAWL_SHARE = 0.7  # of --budget-s; the province stages get the rest


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    p.add_argument("--feeds", type=int, default=10_000, help="feeds crawled by ours and bare")
    p.add_argument(
        "--scrapy-feeds",
        type=int,
        default=2_000,
        help="feeds crawled by Scrapy (~70 feeds/s: 10,000 would not fit in 15 min);"
        " ratios are of feeds/s, round by round",
    )
    p.add_argument("--rounds", type=int, default=3, help="rounds for the cold, no-latency pass")
    p.add_argument("--rounds-other", type=int, default=2, help="rounds for every other pass")
    p.add_argument("--latency", default="20-180", help="LO-HI ms of the latency passes")
    p.add_argument(
        "--passes",
        default="cold,warm,warm_changed",
        help="comma list of the crawl passes to run: cold, warm, warm_changed (a warm pass"
        " starts from the store the first cold pass left)",
    )
    p.add_argument(
        "--no-latency-passes",
        action="store_true",
        help="crawl passes without latency only (no --latency repeat)",
    )
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--units", type=int, default=20_000, help="units of the synthetic province")
    p.add_argument("--items", type=int, default=1_000_000, help="items of the synthetic province")
    p.add_argument("--pg", action="store_true", help="province in PostgreSQL instead of SQLite")
    p.add_argument("--pg-admin", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    p.add_argument(
        "--only", default="crawl,province,alerts", help="comma list of: crawl, province, alerts"
    )
    p.add_argument("--alert-feeds", type=int, default=100, help="farm size of the alert figure")
    p.add_argument("--workdir", type=Path, default=Path("var/bench"))
    p.add_argument(
        "--results",
        type=Path,
        default=Path("bench/RESULTS.md"),
        help="where to write the report ('-' for nowhere)",
    )
    p.add_argument("--timeout", type=float, default=1800.0, help="per process, seconds")
    p.add_argument(
        "--budget-s",
        type=float,
        default=840.0,
        help="extra crawl rounds are dropped when they would not fit in this",
    )
    return p.parse_args(argv)


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.py = sys.executable
        self.work: Path = args.workdir.resolve()
        self.figures: list[dict[str, Any]] = []
        self.commands: list[str] = []
        self.farm: subprocess.Popen[bytes] | None = None
        self.base = ""
        self.started = time.monotonic()

    # -- output --------------------------------------------------------------
    def emit(self, figure: dict[str, Any]) -> None:
        self.figures.append(figure)
        line = json.dumps(figure, ensure_ascii=False, default=str)
        print(line, flush=True)
        with (self.work / "figures.jsonl").open("a") as fh:
            fh.write(line + "\n")

    def note_command(self, cmd: list[str]) -> None:
        shown = " ".join(cmd).replace(self.py, "python").replace(str(self.work), "$WORK")
        if shown not in self.commands:
            self.commands.append(shown)

    # -- farm ----------------------------------------------------------------
    def start_farm(self, feeds: int) -> None:
        cmd = [self.py, "-m", "bench.farm", "--feeds", str(feeds), "--max-seconds", "3600"]
        self.note_command(pinned(cmd, 1))
        self.farm = subprocess.Popen(pinned(cmd, 1), stdout=subprocess.PIPE)
        assert self.farm.stdout is not None
        ready = json.loads(self.farm.stdout.readline())
        self.base = ready["base"]
        self.emit({"figure": "farm", **ready})

    def stop_farm(self) -> None:
        if self.farm is not None:
            self.farm.terminate()
            self.farm.wait(timeout=30)
            self.farm = None

    def admin(self, gen: int, latency: str) -> None:
        url = f"{self.base}/_admin?gen={gen}&latency={latency}"
        with urllib.request.urlopen(url, timeout=10) as resp:
            resp.read()

    # -- crawl ---------------------------------------------------------------
    def crawl(self) -> None:
        a = self.args
        crawl_dir = self.work / "crawl"
        shutil.rmtree(crawl_dir, ignore_errors=True)
        crawl_dir.mkdir(parents=True)
        self.start_farm(max(a.feeds, a.scrapy_feeds))
        try:
            cold = crawl_dir / "cold.db"
            prep = [
                self.py,
                "-m",
                "bench.ours",
                "prepare",
                "--db",
                str(cold),
                "--base",
                self.base,
                "--limit",
                str(a.feeds),
            ]
            self.note_command(prep)
            subprocess.run(prep, check=True, stdout=subprocess.DEVNULL)
            wanted = {p.strip() for p in a.passes.split(",") if p.strip()}
            unknown = wanted - set(PASSES)
            if unknown:
                raise SystemExit(f"unknown pass(es): {', '.join(sorted(unknown))}")
            for latency in ("0",) if a.no_latency_passes else ("0", a.latency):
                for pass_ in (p for p in PASSES if p in wanted):
                    self.crawl_pass(crawl_dir, pass_, latency)
        finally:
            self.stop_farm()

    def crawl_pass(self, crawl_dir: Path, pass_: str, latency: str) -> None:
        a = self.args
        warm = pass_ != "cold"
        template = crawl_dir / ("warm.db" if warm else "cold.db")
        run_db = crawl_dir / "run.db"
        cond = ["--conditional-gen", "0"] if warm else []
        limit, conc = ["--limit", str(a.feeds)], ["--concurrency", str(a.concurrency)]
        commands = {
            "ours": [
                self.py,
                "-m",
                "bench.ours",
                "run",
                "--db",
                str(run_db),
                "--base",
                self.base,
                *limit,
                *conc,
                *(["--baseline-gen", "0"] if warm else []),
            ],
            "scrapy": [
                self.py,
                "-m",
                "bench.spider",
                "--base",
                self.base,
                "--limit",
                str(a.scrapy_feeds),
                *conc,
                *cond,
            ],
            "bare": [self.py, "-m", "bench.bare", "--base", self.base, *limit, *conc, *cond],
        }
        if warm and not template.exists():
            commands.pop("ours")  # no cold store to start from: reported as missing
        for cmd in commands.values():
            self.note_command(pinned(cmd, 0))
        self.admin(1 if pass_ == "warm_changed" else 0, latency)

        def before(label: str, _round: int) -> None:
            if label == "ours":
                _copy_store(template, run_db)

        def after(run: Run, _round: int) -> None:
            # The first good cold store (no latency) is what every warm pass starts from.
            if (
                run.label == "ours"
                and pass_ == "cold"
                and run.ok
                and not (crawl_dir / "warm.db").exists()
            ):
                _copy_store(run_db, crawl_dir / "warm.db")

        rounds = a.rounds if (pass_ == "cold" and latency == "0") else a.rounds_other
        round_started = [time.monotonic()]

        def keep_going(_round: int) -> bool:
            # Extra rounds only while another one of the same length fits in the crawl's
            # share of the budget; the first round of every pass always runs.
            now = time.monotonic()
            last, round_started[0] = now - round_started[0], now
            return now + last < self.started + a.budget_s * CRAWL_SHARE

        runs = alternate(
            commands, rounds, before=before, after=after, keep_going=keep_going, timeout=a.timeout
        )
        feeds = {"ours": a.feeds, "bare": a.feeds, "scrapy": a.scrapy_feeds}
        for label, rs in runs.items():
            self.emit(summarise_crawl(label, rs, pass_, latency, feeds[label]))
        rates = {
            label: [feeds[label] / r.wall_s if r.ok else 0.0 for r in rs]
            for label, rs in runs.items()
        }
        # Feeds per CPU-second too: on a shared machine a process's CPU share drifts
        # more than its CPU cost does.
        per_cpu = {
            label: [feeds[label] / (r.user_s + r.sys_s) if r.ok else 0.0 for r in rs]
            for label, rs in runs.items()
        }
        for other in ("scrapy", "bare"):
            if "ours" in rates and other in rates:
                ratios = [x for x in paired_ratios(rates["ours"], rates[other]) if x > 0]
                cpu_ratios = [x for x in paired_ratios(per_cpu["ours"], per_cpu[other]) if x > 0]
                self.emit(
                    {
                        "figure": "crawl_ratio",
                        "pass": pass_,
                        "latency_ms": latency,
                        "ours_over": other,
                        "feeds_per_s_ratio_median": _r(median(ratios)),
                        "per_round": [_r(x) for x in ratios],
                        "cpu_ratio_median": _r(median(cpu_ratios)),
                    }
                )

    # -- province --------------------------------------------------------------
    def province(self) -> None:
        a = self.args
        pdir = self.work / "province"
        shutil.rmtree(pdir, ignore_errors=True)
        pdir.mkdir(parents=True)
        url = self.province_url(pdir)
        common = ["--db", url, "--workdir", str(pdir)]
        as_of = datetime(2026, 11, 28, 12, tzinfo=UTC).isoformat()
        steps = [
            ("generate", ["generate", "--units", str(a.units), "--items", str(a.items)]),
            ("evaluate_full", ["evaluate", "--as-of", as_of]),
            ("evaluate_incremental", ["evaluate", "--as-of", as_of, "--changed-fraction", "0.01"]),
            ("score", ["score", "--as-of", as_of, "--period", "2026-Q4"]),
        ]
        for name, extra in steps:
            cmd = [self.py, "-m", "bench.stages", extra[0], *common, *extra[1:]]
            self.note_command(pinned(cmd, 0))
            run = run_process(name, cmd, cpu=0, timeout=a.timeout)
            self.emit(
                {
                    "figure": name,
                    "backend": "postgresql" if a.pg else "sqlite",
                    "units": a.units,
                    "items": a.items,
                    "ok": run.ok,
                    "seconds": run.out.get("seconds"),
                    "wall_s": _r(run.wall_s),
                    "cpu_s": _r(run.user_s + run.sys_s),
                    "peak_rss_mb": _r(run.peak_rss_mb),
                    "detail": {k: v for k, v in run.out.items() if k not in ("seconds", "stage")},
                    **({} if run.ok else {"stderr": run.stderr_tail[-600:]}),
                }
            )

    # -- alert latency (distributed mode) -------------------------------------
    def alerts(self) -> None:
        adir = self.work / "alerts"
        adir.mkdir(parents=True, exist_ok=True)
        cmd = [
            self.py,
            "-m",
            "bench.alert_latency",
            "--feeds",
            str(self.args.alert_feeds),
            "--workdir",
            str(adir),
        ]
        self.note_command(cmd)
        run = run_process("alert_latency", cmd, cpu=None, timeout=self.args.timeout)
        fig = {"figure": "alert_latency", "measured": False, **run.out}
        fig["peak_rss_mb_driver"] = _r(run.peak_rss_mb)
        if not run.ok:
            fig["error"] = run.out.get("error") or run.stderr_tail[-600:]
        self.emit(fig)

    def province_url(self, pdir: Path) -> str:
        if not self.args.pg:
            return f"sqlite:///{pdir / 'province.db'}"
        from sqlalchemy import create_engine, text

        admin = create_engine(self.args.pg_admin, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "monitor_bench" WITH (FORCE)'))
            conn.execute(text('CREATE DATABASE "monitor_bench"'))
        admin.dispose()
        return self.args.pg_admin.rsplit("/", 1)[0] + "/monitor_bench"


def _copy_store(src: Path, dst: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
        if Path(f"{src}{suffix}").exists():
            shutil.copyfile(f"{src}{suffix}", f"{dst}{suffix}")
    src_data, dst_data = src.parent / f"{src.stem}-data", dst.parent / f"{dst.stem}-data"
    shutil.rmtree(dst_data, ignore_errors=True)
    if src_data.exists():
        shutil.copytree(src_data, dst_data)


def _r(x: float | None, nd: int = 3) -> float | None:
    return None if x is None else round(x, nd)


def summarise_crawl(
    label: str, runs: list[Run], pass_: str, latency: str, feeds: int
) -> dict[str, Any]:
    good = [r for r in runs if r.ok]
    walls = [r.wall_s for r in good]
    wall = median(walls) if good else None
    items = median([float(r.out.get("items", 0)) for r in good]) if good else 0
    crawl_s = median([float(r.out.get("crawl_s", 0)) for r in good]) if good else None
    fig: dict[str, Any] = {
        "figure": "crawl",
        "pass": pass_,
        "latency_ms": latency,
        "crawler": label,
        "feeds": feeds,
        "runs": len(runs),
        "ok_runs": len(good),
        "wall_s": _r(wall),
        "wall_min": _r(min(walls)) if walls else None,
        "wall_max": _r(max(walls)) if walls else None,
        "feeds_per_s": _r(feeds / wall, 1) if wall else None,
        "items": items,
        "items_per_s": _r(items / wall, 1) if wall else None,
        "crawl_s": _r(crawl_s),
        "feeds_per_s_in_process": _r(feeds / crawl_s, 1) if crawl_s else None,
        "cpu_s": _r(median([r.user_s + r.sys_s for r in good])) if good else None,
        "peak_rss_mb": _r(max((r.peak_rss_mb for r in runs), default=0.0), 1),
        "items_ok": all(r.out.get("items_ok") for r in good) and bool(good),
        "not_modified": median([float(r.out.get("not_modified", 0)) for r in good])
        if good
        else None,
    }
    bad = [r for r in runs if not r.ok]
    if bad:
        fig["error"] = (
            bad[0].out.get("error") or bad[0].stderr_tail[-400:] or f"rc {bad[0].returncode}"
        )
    return fig


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    bench = Bench(args)
    bench.work.mkdir(parents=True, exist_ok=True)
    (bench.work / "figures.jsonl").unlink(missing_ok=True)
    started = time.monotonic()
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    if "crawl" in parts:
        bench.crawl()
    if "province" in parts:
        bench.province()
    if "alerts" in parts:
        bench.alerts()
    total = time.monotonic() - started
    bench.emit({"figure": "bench_total", "wall_s": _r(total, 1)})
    print(report.table(bench.figures))
    if str(args.results) != "-":
        args.results.write_text(
            report.markdown(bench.figures, bench.commands, argv_used(argv), total)
        )
        print(f"wrote {args.results}")


def argv_used(argv: list[str] | None) -> str:
    return "python -m bench " + " ".join(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
