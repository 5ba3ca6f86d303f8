"""PDFs: the text layer through pypdf; pages without one are pictures, read by OCR
(pages rendered by ``pdftoppm``) when Tesseract is installed."""

from __future__ import annotations

import io
import logging
import shutil
import subprocess

from monitor.extract.model import Extracted, Limits, NotRead, TextBudget
from monitor.extract.ocr import ocr_text


def read_pdf(data: bytes, limits: Limits) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise NotRead("encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError) as exc:
        raise NotRead("damaged", str(exc)) from exc
    budget = TextBudget(limits)
    blank = [n for n, text in enumerate(pages, start=1) if not text.strip()]
    for number, text in enumerate(pages, start=1):
        if not budget.add({"page": number}, text):
            break
    result = Extracted("pdf", budget.parts, truncated=budget.full)
    if blank and not budget.full:
        _ocr_pages(data, blank, budget, result, limits)
    return result


def _ocr_pages(
    data: bytes, numbers: list[int], budget: TextBudget, result: Extracted, limits: Limits
) -> None:
    """Pages with no text layer: OCR them, or say they were not read."""
    pdftoppm = shutil.which("pdftoppm")
    try:
        if pdftoppm is None:
            raise NotRead("image", "pdftoppm is not installed")
        for number in numbers:
            image = subprocess.run(
                [pdftoppm, "-png", "-r", "200", "-f", str(number), "-l", str(number), "-"],
                input=data, capture_output=True, timeout=limits.ocr_timeout, check=True,
            ).stdout  # fmt: skip
            budget.add({"page": number, "ocr": True}, ocr_text(image, limits))
    except NotRead as exc:
        result.not_read = f"image: pages {_span(numbers)} have no text ({exc.detail})"
    except (subprocess.SubprocessError, OSError) as exc:
        result.not_read = f"image: pages {_span(numbers)} could not be rendered ({exc})"
    result.parts = budget.parts


def _span(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers[:10]) + (" …" if len(numbers) > 10 else "")
