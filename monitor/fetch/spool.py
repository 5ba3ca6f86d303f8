"""Response bodies on their way to evidence: streamed as they arrive, never held whole.

A body is kept in memory while it is small and moved to a file in the crawl's spool
directory once it grows past a threshold, so what a crawl holds of the pages it has
read but not yet written is bounded whatever the pages weigh. Its evidence digest
(``sha256(url + "\\n" + body)``, see ``monitor.crawl.archive``) is computed as the
bytes arrive, so the archive can tell whether it already holds the body without
reading it again.

Any reader of a URL that must keep what it read as evidence (detail pages, listings,
attachment downloads) passes ``Spools.new`` as the fetcher's ``spool``; the crawl's
writer archives the spool (``WarcArchive.write``) and closes it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

_COPY = 1 << 16

# ASCII characters a URI may not hold (RFC 3986): controls, space, and "<>\^`{|}.
# WARC readers rewrite them (warcio turns a space into %20 and strips <>), so a URL
# holding one would never read back as it was hashed.
_NOT_URI = re.compile(r'[\x00-\x20\x7f"<>\\^`{|}]')


def canonical_url(url: str) -> str:
    """``url`` as a WARC-Target-URI keeps it: the characters a URI may not hold
    percent-encoded, as the request line sent them. Non-ASCII is kept (an IRI)."""
    return _NOT_URI.sub(lambda m: f"%{ord(m.group(0)):02X}", url)


class Spool:
    """One body: ``write`` chunks, then ``head``/``read``/``chunks`` it back, ``close``."""

    def __init__(self, url: str, directory: Path | None, memory_limit: int) -> None:
        self.url = url
        self.size = 0
        self._directory = directory
        self._memory_limit = memory_limit
        self._memory: BytesIO | None = BytesIO()
        self._file: BinaryIO | None = None
        self.path: Path | None = None
        self._hash = hashlib.sha256(canonical_url(url).encode("utf-8"))
        self._hash.update(b"\n")
        self.closed = False

    @property
    def digest(self) -> str:
        """The evidence digest of url and body (``evidence_digest``)."""
        return self._hash.hexdigest()

    @property
    def in_memory(self) -> int:
        """Bytes this spool holds in memory."""
        return self.size if self._memory is not None else 0

    def write(self, chunk: bytes) -> None:
        self._hash.update(chunk)
        self.size += len(chunk)
        if self._memory is not None:
            if self._directory is None or self.size <= self._memory_limit:
                self._memory.write(chunk)
                return
            self._to_disk()
        assert self._file is not None
        self._file.write(chunk)

    def _to_disk(self) -> None:
        assert self._directory is not None and self._memory is not None
        self._directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="body-", dir=self._directory)
        self.path = Path(name)
        self._file = os.fdopen(fd, "w+b")
        self._file.write(self._memory.getbuffer())
        self._memory = None

    def finish(self) -> None:
        """The body is complete: flush it to disk, so another process may read it."""
        if self._file is not None:
            self._file.flush()

    def head(self, limit: int) -> bytes:
        """The first ``limit`` bytes."""
        if self._memory is not None:
            return bytes(self._memory.getbuffer()[:limit])
        assert self.path is not None
        with self.path.open("rb") as f:
            return f.read(limit)

    def read(self) -> bytes:
        """The whole body (callers bound ``size`` first)."""
        return self.head(self.size)

    def chunks(self) -> Iterator[bytes]:
        if self._memory is not None:
            view = self._memory.getbuffer()
            for start in range(0, len(view), _COPY):
                yield bytes(view[start : start + _COPY])
            return
        assert self.path is not None
        with self.path.open("rb") as f:
            while chunk := f.read(_COPY):
                yield chunk

    def stream(self) -> BinaryIO:
        """A readable file object over the body (for the WARC writer)."""
        if self._memory is not None:
            return BytesIO(self._memory.getbuffer())
        assert self.path is not None
        return self.path.open("rb")

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._file is not None:
            self._file.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)
        self._memory = None


class Spools:
    """Hands out spools for one crawl run: bodies past ``memory_limit`` bytes go to
    files under ``directory`` (removed with ``cleanup``)."""

    def __init__(self, directory: Path, memory_limit: int = 64 * 1024) -> None:
        self.directory = directory
        self.memory_limit = memory_limit

    def new(self, url: str) -> Spool:
        return Spool(url, self.directory, self.memory_limit)

    def cleanup(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def new_spools(root: Path, memory_limit: int = 64 * 1024) -> Spools:
    """A private spool directory under ``root`` for one crawl run."""
    root.mkdir(parents=True, exist_ok=True)
    return Spools(Path(tempfile.mkdtemp(prefix="crawl-", dir=root)), memory_limit)
