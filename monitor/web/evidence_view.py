"""Reading an archived response for the evidence viewer, and diffs between versions."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from monitor.evidence import EvidenceCorrupt, EvidenceError, read_evidence
from monitor.settings import Settings
from monitor.store.models import ItemVersion

MAX_SHOWN = 200_000


@dataclass
class ArchivedResponse:
    found: bool
    headers: list[tuple[str, str]]
    body: str
    note: str = ""


def read_archived(session: Session, settings: Settings, evidence_id: int) -> ArchivedResponse:
    """The archived HTTP response, verified against its digest by ``monitor.evidence``
    and decoded for display; a missing or altered archive is said, not hidden."""
    try:
        record = read_evidence(session, settings, evidence_id)
    except EvidenceCorrupt as exc:
        return ArchivedResponse(False, [], "", f"archive does not verify: {exc}")
    except EvidenceError as exc:
        return ArchivedResponse(False, [], "", f"archive not found: {exc}")
    note = "truncated" if len(record.payload) > MAX_SHOWN else ""
    return ArchivedResponse(True, record.headers, _decode(record.payload[:MAX_SHOWN]), note)


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


@dataclass
class DiffLine:
    kind: str  # add | del | ctx | hunk
    text: str


def version_diff(old: ItemVersion, new: ItemVersion) -> list[DiffLine]:
    """A unified diff of title and text between two versions of an item."""
    before = [f"# {old.title}", *old.text.splitlines()]
    after = [f"# {new.title}", *new.text.splitlines()]
    lines = []
    for line in difflib.unified_diff(before, after, f"v{old.id}", f"v{new.id}", lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "ctx"
        lines.append(DiffLine(kind, line))
    return lines
