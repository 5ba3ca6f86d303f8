"""Pictures read by Tesseract (``tesseract-ocr-chi-sim``) when it is installed."""

from __future__ import annotations

import shutil
import subprocess

from monitor.extract.model import Extracted, Limits, NotRead, TextBudget


def ocr_text(image: bytes, limits: Limits) -> str:
    tesseract = shutil.which("tesseract")
    if tesseract is None:
        raise NotRead("image", "tesseract is not installed")
    try:
        done = subprocess.run(
            [tesseract, "-", "-", "-l", limits.ocr_language],
            input=image,
            capture_output=True,
            timeout=limits.ocr_timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise NotRead("image", "OCR timed out") from exc
    if done.returncode != 0:
        raise NotRead("image", done.stderr.decode("utf-8", "replace").strip()[:200])
    return join_cjk(done.stdout.decode("utf-8", "replace"))


def join_cjk(text: str) -> str:
    """Tesseract spaces out Chinese characters and splits long digit runs into groups;
    a line with its spaces removed is how a person reads it."""
    return "\n".join("".join(line.split()) for line in text.splitlines() if line.strip())


def read_image(data: bytes, limits: Limits) -> Extracted:
    budget = TextBudget(limits)
    budget.add({"ocr": True}, ocr_text(data, limits))
    return Extracted("image", budget.parts, truncated=budget.full)
