"""Office Open XML files are zip archives: refuse a bomb before unpacking it."""

from __future__ import annotations

import io
import zipfile

from monitor.extract.model import Limits, NotRead


def check_zip(data: bytes, limits: Limits) -> None:
    """Raise NotRead when the archive unpacks past the limits (in total, or a member
    at more than ``max_ratio`` times its packed size beyond 1 MiB), or is no archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise NotRead("damaged", f"not a zip archive: {exc}") from exc
    total = 0
    for member in members:
        total += member.file_size
        packed = max(member.compress_size, 1)
        if member.file_size > 1 << 20 and member.file_size / packed > limits.max_ratio:
            raise NotRead("too large", f"{member.filename} unpacks {member.file_size} bytes")
        if member.flag_bits & 0x1:
            raise NotRead("encrypted")
    if total > limits.max_unpacked_bytes:
        raise NotRead("too large", f"unpacks to {total} bytes")
