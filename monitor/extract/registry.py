"""Which reader a file goes to: by its name's extension, else by its first bytes."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from monitor.extract.documents import read_doc, read_docx
from monitor.extract.model import Extracted, Limits, NotRead
from monitor.extract.ocr import read_image
from monitor.extract.pdf import read_pdf
from monitor.extract.spreadsheet import read_xls, read_xlsx
from monitor.extract.tables import read_csv

Reader = Callable[[bytes, Limits], Extracted]

READERS: dict[str, Reader] = {
    "xlsx": read_xlsx,
    "xls": read_xls,
    "csv": read_csv,
    "docx": read_docx,
    "doc": read_doc,
    "wps": lambda data, limits: read_doc(data, limits, "wps"),
    "pdf": read_pdf,
    "png": read_image,
    "jpg": read_image,
    "jpeg": read_image,
    "gif": read_image,
    "bmp": read_image,
    "tif": read_image,
    "tiff": read_image,
}
_MAGIC = (
    (b"%PDF", "pdf"),
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF8", "gif"),
    (b"\xd0\xcf\x11\xe0", "ole"),  # .xls or .doc: the name decides
)


def kind_of(name: str, head: bytes = b"") -> str | None:
    """``xlsx``, ``pdf`` … from a file name or URL (also ``…?filename=x.pdf``), else
    from the first bytes; None when neither says."""
    for candidate in (name, urlsplit(name).path, urlsplit(name).query):
        tail = unquote(candidate).lower().rsplit(".", 1)
        if len(tail) == 2 and tail[1] in READERS:
            return tail[1]
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind if kind != "ole" else None
    return None


def extract(data: bytes, name: str, limits: Limits | None = None) -> Extracted:
    """The text of the file ``name`` (its URL or file name), or why it was not read."""
    limits = limits or Limits()
    kind = kind_of(name, data[:8])
    if kind is None:
        return Extracted("unknown", not_read="not supported: unknown file type")
    try:
        return READERS[kind](data, limits)
    except NotRead as exc:
        return Extracted(kind, not_read=str(exc))
    except Exception as exc:  # a broken file must not stop a crawl; say so instead
        return Extracted(kind, not_read=f"damaged: {type(exc).__name__}: {exc}"[:300])
