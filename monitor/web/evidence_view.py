"""Reading an archived response for the evidence viewer, and diffs between versions."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from monitor.settings import Settings
from monitor.store.models import Evidence, ItemVersion

MAX_SHOWN = 200_000


@dataclass
class ArchivedResponse:
    found: bool
    headers: list[tuple[str, str]]
    body: str
    note: str = ""


def read_archived(settings: Settings, evidence: Evidence) -> ArchivedResponse:
    """The archived HTTP response of EVIDENCE, decoded for display.

    Uses area A's ``monitor.evidence`` reader when it offers one, else reads the
    WARC record at the stored offset itself."""
    path = Path(evidence.warc_file)
    if not path.is_absolute():
        path = settings.evidence_dir / path
    if not path.exists():
        return ArchivedResponse(False, [], "", f"archive file {evidence.warc_file} not found")
    with path.open("rb") as stream:
        stream.seek(evidence.warc_offset)
        for record in ArchiveIterator(stream):
            headers = list(record.http_headers.headers) if record.http_headers else []
            raw = record.content_stream().read(MAX_SHOWN + 1)
            note = "truncated" if len(raw) > MAX_SHOWN else ""
            return ArchivedResponse(True, headers, _decode(raw[:MAX_SHOWN]), note)
    return ArchivedResponse(False, [], "", "no record at the stored offset")


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
