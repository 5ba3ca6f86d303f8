"""bench.search runs on a small province, on both stores, and writes its section of
the results without touching the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import search as bench_search


@pytest.mark.parametrize(
    "store", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_search_bench_measures_and_writes_its_section(tmp_path: Path, store: str) -> None:
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results (issue 8)\n\nkept\n", encoding="utf-8")
    argv = ["--units", "300", "--items", "3000", "--queries", "16", "--stores", store,
            "--workdir", str(tmp_path), "--results", str(results), "--crawl-rounds", "1",
            "--crawl-feeds", "20" if store == "sqlite" else "0"]  # fmt: skip
    bench_search.main(argv)
    text = results.read_text(encoding="utf-8")
    assert text.startswith("# Benchmark results (issue 8)\n\nkept\n")
    assert "## Search (issue 19)" in text and f"| {store} | 3,000 |" in text
    assert ("Cold crawl of 20 farm feeds" in text) == (store == "sqlite")
    bench_search.main(argv)  # a second run replaces its section
    assert results.read_text(encoding="utf-8").count("## Search (issue 19)") == 1
