"""``monitor report pdf``: the report printed on A4 by headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.web.pdf import find_chromium

pytestmark = pytest.mark.browser

try:
    find_chromium()
except RuntimeError:
    pytest.skip("no Chromium to print with", allow_module_level=True)


def _first_page_text(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    done = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"],
        capture_output=True,
        check=True,
    )
    return done.stdout.decode("utf-8")


def test_report_pdf_shows_the_bar_chart_on_its_first_page(settings, web_sessions, tmp_path):
    out = tmp_path / "report.pdf"
    env = {"MONITOR_DATABASE_URL": settings.database_url, "MONITOR_CONFIG": "absent.toml"}
    result = CliRunner().invoke(
        app, ["--lang", "zh_CN", "report", "pdf", "--output", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    assert "for 2026-11" in result.stdout  # the latest period that has scores
    assert out.read_bytes().startswith(b"%PDF")
    first = _first_page_text(out)
    # The chart's unit labels, its legend and its meaning, on page one.
    assert "东城镇" in first and "西山乡" in first
    assert "完整性" in first and "及时性" in first and "总分" in first
    assert "督查人员" not in first and "English" not in first  # no navigation (print CSS)


def test_unit_page_pdf_and_a_period_without_scores(settings, web_sessions, tmp_path):
    env = {"MONITOR_DATABASE_URL": settings.database_url, "MONITOR_CONFIG": "absent.toml"}
    out = tmp_path / "unit.pdf"
    result = CliRunner().invoke(
        app,
        [
            "--lang",
            "en",
            "report",
            "pdf",
            "--unit",
            "330101001001",
            "-p",
            "2026-10",
            "-o",
            str(out),
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert "东城村" in _first_page_text(out)
    missing = CliRunner().invoke(app, ["report", "pdf", "-p", "2025-01", "-o", str(out)], env=env)
    assert missing.exit_code == 1 and "periods with scores: 2026-11, 2026-10" in missing.stderr
