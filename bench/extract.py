"""Time and peak memory of reading each attachment format (monitor/extract), the
bomb refused and a large spreadsheet included.

    .venv/bin/python bench/extract.py [--rows 140000]

Each case runs in a fresh process so its peak RSS is its own; "python peak" is
tracemalloc's (what the reader allocated, in a second, traced read), "RSS peak" the
process's after the timed read (kernel rusage, imports included; Tesseract, antiword
and pdftoppm run in child processes, not counted). Text past
``crawl.attachments.max_text_chars`` (2,000,000) is not read: the large sheet says so."""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "attachments"
CASES = {
    "xlsx (small)": FIXTURES / "dibao.xlsx",
    "xls": FIXTURES / "dibao.xls",
    "pdf (text)": FIXTURES / "dibao.pdf",
    "pdf (encrypted)": FIXTURES / "locked.pdf",
    "csv (GBK)": FIXTURES / "jiuzhu_gbk.csv",
    "docx": FIXTURES / "jiuzhu.docx",
    "png (OCR)": FIXTURES / "scan.png",
    "pdf (scanned page, OCR)": FIXTURES / "scan.pdf",
    "xlsx bomb (refused)": FIXTURES / "bomb.xlsx",
}


def large_xlsx(path: Path, rows: int) -> Path:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("名单")
    sheet.append(["序号", "姓名", "身份证号", "人数", "金额", "住址"])
    for n in range(rows):
        sheet.append([n + 1, f"姓名{n}", f"4403011985{n % 10**8:08d}", "2人", 560 + n % 97,
                      f"某县某镇某村第{n % 40}组{n}号"])  # fmt: skip
    book.save(path)
    return path


def measure(path: str) -> dict[str, object]:
    """In this process: read ``path`` once; time, memory, what came out."""
    import docx  # noqa: F401  the readers' imports, outside the timing
    import openpyxl  # noqa: F401
    import pypdf  # noqa: F401
    import xlrd  # noqa: F401

    import monitor.extract

    data = Path(path).read_bytes()
    started = time.perf_counter()
    result = monitor.extract.extract(data, Path(path).name)
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()  # a second read, traced (tracing slows it: not the one timed)
    monitor.extract.extract(data, Path(path).name)
    _, peak = tracemalloc.get_traced_memory()
    return {
        "bytes": len(data),
        "seconds": round(seconds, 3),
        "python_peak_mb": round(peak / 2**20, 1),
        "rss_peak_mb": round(rss / 1024, 1),
        "parts": len(result.parts),
        "chars": result.chars,
        "not_read": result.not_read,
        "truncated": result.truncated,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=140_000, help="rows of the large xlsx")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        cases = dict(CASES)
        cases[f"xlsx (large, {args.rows} rows)"] = large_xlsx(Path(tmp) / "large.xlsx", args.rows)
        print(f"{'case':32} {'MB':>6} {'seconds':>8} {'py peak MB':>10} {'RSS MB':>7}  result")
        for name, path in cases.items():
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(path)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            row = json.loads(out.stdout)
            result = row["not_read"] or f"{row['parts']} parts, {row['chars']} chars"
            result += " (cut at the limit)" if row["truncated"] else ""
            print(f"{name:32} {row['bytes'] / 2**20:6.2f} {row['seconds']:8.3f} "
                  f"{row['python_peak_mb']:10.1f} {row['rss_peak_mb']:7.1f}  {result}")  # fmt: skip


if __name__ == "__main__":
    main()
