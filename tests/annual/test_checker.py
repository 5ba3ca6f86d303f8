"""The checker finds every planted inconsistency of the fixtures, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from monitor.annual.checker import KINDS, check
from monitor.annual.reader import read_path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "annual"
EXPECTED = yaml.safe_load((FIXTURES / "expected.yaml").read_text(encoding="utf-8"))


def _cells(findings: list) -> list[tuple[str, str, str, str]]:
    return sorted(tuple(f) for f in findings)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_findings_match_the_planted_ones(name: str) -> None:
    expected = EXPECTED[name]
    previous = read_path(FIXTURES / expected["previous"]) if expected["previous"] else None
    found = check(read_path(FIXTURES / name), year=expected["year"], previous=previous)
    got = _cells([(f.kind, f.section, f.row, f.column) for f in found])
    want = _cells([(f["kind"], f["section"], f["row"], f["column"]) for f in expected["findings"]])
    assert got == want


def test_at_least_ten_kinds_are_planted_across_the_three_formats() -> None:
    kinds = {f["kind"] for e in EXPECTED.values() for f in e["findings"]}
    assert len(kinds) >= 10 and kinds <= set(KINDS)
    formats = {Path(name).suffix for name, e in EXPECTED.items() if e["findings"]}
    assert formats == {".html", ".docx", ".xlsx"}


def test_a_consistent_report_has_no_findings() -> None:
    assert [n for n, e in EXPECTED.items() if not e["findings"]]


def test_each_finding_names_its_cell() -> None:
    found = check(read_path(FIXTURES / "town-c-2025.docx"), year=2025)
    blank = next(f for f in found if f.kind == "cell_blank")
    assert blank.cell == "收到和处理政府信息公开申请情况/重复申请/自然人"
    balance = next(f for f in found if f.kind == "balance")
    assert (balance.expected, balance.found) == ("2", "3")


def test_fixtures_are_what_build_py_writes(tmp_path: Path) -> None:
    # A stale fixture would test a layout build.py no longer writes.
    import importlib.util

    spec = importlib.util.spec_from_file_location("annual_build", FIXTURES / "build.py")
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    for name, plant in build.PLANTS.items():
        if name.endswith(".html"):
            assert build.build_one(name, plant) == (FIXTURES / name).read_bytes()
