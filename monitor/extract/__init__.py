"""Text out of attachments (spreadsheets, documents, PDFs, pictures), one small module
per format. Pure functions of the bytes: no database, no network.

``extract(data, name, limits)`` returns the text in parts, each with where it sits
(sheet and row, page, table row), or says why it was not read: a file the monitor
could not read is reported as such, never passed as clean."""

from __future__ import annotations

from monitor.extract.model import Extracted, Limits, NotRead, Part
from monitor.extract.registry import extract, kind_of

__all__ = ["Extracted", "Limits", "NotRead", "Part", "extract", "kind_of"]
