"""Word-processor files: .docx (python-docx), .doc and .wps (antiword, when installed)."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile

from monitor.extract.model import Extracted, Limits, NotRead, TextBudget, row_text
from monitor.extract.zipguard import check_zip


def read_docx(data: bytes, limits: Limits) -> Extracted:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_zip(data, limits)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise NotRead("damaged", str(exc)) from exc
    budget = TextBudget(limits)
    budget.add({"paragraphs": True}, "\n".join(p.text for p in document.paragraphs))
    for t, table in enumerate(document.tables, start=1):
        for r, row in enumerate(table.rows, start=1):
            if not budget.add({"table": t, "row": r}, row_text([c.text for c in row.cells])):
                break
    return Extracted("docx", budget.parts, truncated=budget.full)


def read_doc(data: bytes, limits: Limits, kind: str = "doc") -> Extracted:
    """Legacy Word (and WPS, which saves the same format) through antiword."""
    antiword = shutil.which("antiword")
    if antiword is None:
        raise NotRead("not supported", f".{kind} needs antiword, which is not installed")
    try:
        done = subprocess.run(
            [antiword, "-m", "UTF-8.txt", "-"],
            input=data,
            capture_output=True,
            timeout=limits.ocr_timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise NotRead("too slow", "antiword timed out") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()[:200]
        raise NotRead("encrypted" if "encrypt" in message.lower() else "damaged", message)
    budget = TextBudget(limits)
    budget.add({"paragraphs": True}, done.stdout.decode("utf-8", "replace"))
    return Extracted(kind, budget.parts, truncated=budget.full)
