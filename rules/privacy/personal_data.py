from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

from rules._helpers import item_evidence, items_in, subject_for
from rules.api import (
    AttachmentView,
    FindingDraft,
    ItemView,
    Rule,
    RuleContext,
    RuleParams,
    Severity,
)

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[0-9Xx])(?![0-9A-Za-z])")
MOBILE_RE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9]\d{9})(?![0-9])")
CARD_RE = re.compile(r"(?<![0-9])(\d{16,19})(?![0-9])")


def valid_resident_id(number: str) -> bool:
    """GB 11643: check character over the weights, and a real birth date."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], ID_WEIGHTS, strict=True))
    if ID_CHECK[total % 11] != number[17].upper():
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date(2100, 1, 1)


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def mask(value: str) -> str:
    """Findings must not republish what they report: keep only the ends."""
    return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else "*" * len(value)


def scan(text: str) -> dict[str, list[str]]:
    """Unmasked personal data in ``text``, by kind, masked for the report."""
    found: dict[str, list[str]] = {}
    for kind, value, _ in hits(text):
        found.setdefault(kind, []).append(mask(value))
    return found


def hits(text: str) -> list[tuple[str, str, int]]:
    """(kind, unmasked value, offset) of the personal data in ``text``, in kind order."""
    out: list[tuple[str, str, int]] = []
    ids = set()
    for m in ID_RE.finditer(text):
        if valid_resident_id(m.group(1)):
            ids.add(m.group(1))
            out.append(("resident_id", m.group(1), m.start(1)))
    out += [("mobile", m.group(1), m.start(1)) for m in MOBILE_RE.finditer(text)]
    for m in CARD_RE.finditer(text):
        number = m.group(1)
        if number not in ids and luhn_ok(number):
            out.append(("bank_card", number, m.start(1)))
    return out


def column_name(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (spreadsheet columns)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def place(where: Mapping[str, Any], text: str, offset: int) -> dict[str, Any]:
    """Where in an attachment a value sits: sheet and cell, page, table and row."""
    out = {k: v for k, v in where.items() if k in ("sheet", "page", "table", "row", "ocr")}
    if "sheet" in where and "row" in where:
        out["cell"] = f"{column_name(text.count(chr(9), 0, offset))}{where['row']}"
    return out


def describe(spot: Mapping[str, Any]) -> str:
    """``sheet 名单 cell C2``, ``page 3``, ``table 1 row 2``, ``row 5`` (a CSV)."""
    if "cell" in spot:
        return f"sheet {spot['sheet']} cell {spot['cell']}"
    words = [f"{k} {spot[k]}" for k in ("page", "table", "row") if k in spot]
    return " ".join(words) + (" (OCR)" if spot.get("ocr") else "") if words else "text"


def scan_attachment(attachment: AttachmentView, kinds: Sequence[str]) -> list[dict[str, Any]]:
    """Each personal-data value in an attachment's text: kind, masked value, where."""
    found = []
    for part in attachment.parts:
        text, where = str(part.get("text", "")), part.get("where") or {}
        for kind, value, offset in hits(text):
            if kind in kinds:
                found.append({"kind": kind, "value": mask(value), **place(where, text, offset)})
    return found


def attachment_label(attachment: AttachmentView) -> str:
    return attachment.name or unquote(urlsplit(attachment.url).path.rsplit("/", 1)[-1])


class PersonalData(Rule):
    """Published items and their attachments expose no personal data.

    Basis: Regulations on Open Government Information (2019), art. 15 (no personal
    privacy without consent or overriding public interest); national key points of
    government disclosure work (2018): de-identify personal data before publication.
    Inspectors regularly find full ID and phone numbers in 低保 and poverty-relief lists,
    most often in the attached spreadsheet rather than on the page.

    Scans, for each item published in the period, the title and the main text of its
    latest version — read as a person reads it, table cells and list items apart, so
    an ID in one cell and "2人" in the next stay two values — and the text of each
    attachment the crawl read (``crawl.attachments``: .xls, .xlsx, .csv, .doc, .docx,
    .wps, .pdf, and pictures and image-only PDF pages by OCR when Tesseract is
    installed) for:

    - resident ID numbers (GB 11643): 18 characters whose check character is right
      (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, sum mod 11 → ``10X98765432``) and
      whose digits 7–14 are a real birth date;
    - mobile numbers: ``1[3-9]`` and 9 digits, optionally ``+86``;
    - bank card numbers: 16–19 digits passing the Luhn check (a heuristic: other long
      numbers can pass it).

    One finding per item page (subject ``item:<key>``) and one per attachment
    (``item:<key>#attachment:<file>``); an attachment's finding names the file and
    where each value sits — sheet and cell, page, table and row — with the value
    masked (``4453**********1234``): no message or evidence carries a full number.
    An attachment that could not be read (a picture without OCR, encrypted, too
    large, over the per-crawl limit, damaged) is an info finding, not assessable,
    saying so: never a silent pass.

    Masked forms (``4453**********1234``, ``138****5678``) pass. Items whose title holds
    one of ``exempt_title_words`` (administrative penalty decisions, which the law
    requires to name the party) are skipped. On public pages a privacy finding shows a
    count and one masked value at most, and no link to the page or attachment.

    Bad: "低保名单：张三 440301199001011237 13812345678"; an attached 名单.xlsx with
    the full ID in cell C2.
    Good: "低保名单：张三 4403**********1237 138****5678".
    """

    id = "privacy.personal_data"
    title = "No resident ID, mobile or bank card numbers exposed"
    basis = "Regulations on Open Government Information (2019), art. 15"
    version = "2"
    severity = Severity.CRITICAL
    messages: ClassVar[dict[str, str]] = {
        "exposed": "personal data exposed: {summary}",
        "not_read": "attachment {label} not read: {reason}",
        "exposed_attachment": "personal data exposed in attachment {label}: {summary} "
        "(first at {where}: {value})",
    }

    class Params(RuleParams):
        exempt_title_words: tuple[str, ...] = ("行政处罚决定书",)
        kinds: tuple[str, ...] = ("resident_id", "mobile", "bank_card")
        # Attachments not read are reported (info, not assessable); False: only leaks.
        report_unread: bool = True

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        for item in items_in(ctx.items, ctx.period):
            if any(word in item.title for word in ctx.params.exempt_title_words):
                continue
            yield from self._page(item, ctx.params)
            for attachment in item.attachment_texts:
                yield from self._attachment(item, attachment, ctx.params)

    def _page(self, item: ItemView, params: Any) -> Iterable[FindingDraft]:
        found = {k: v for k, v in scan(f"{item.title}\n{item.text}").items() if k in params.kinds}
        if not found:
            return
        summary = ", ".join(f"{len(v)} {k.replace('_', ' ')}" for k, v in found.items())
        yield FindingDraft(
            subject=subject_for(item),
            message=self.say("exposed", summary=summary),
            evidence=item_evidence(
                item,
                found={k: v[:5] for k, v in found.items()},
                counts={k: len(v) for k, v in found.items()},
            ),
        )

    def _attachment(
        self, item: ItemView, attachment: AttachmentView, params: Any
    ) -> Iterable[FindingDraft]:
        label = attachment_label(attachment)
        subject = f"{subject_for(item)}#attachment:{label}"[:500]
        about = {"name": label, "url": attachment.url, "evidence_id": attachment.evidence_id}
        if attachment.reason is not None:
            if params.report_unread:
                yield FindingDraft(
                    subject=subject,
                    message=self.say("not_read", label=label, reason=attachment.reason),
                    severity=Severity.INFO,
                    assessable=False,
                    evidence=item_evidence(item, attachment=about, not_read=attachment.reason),
                )
            return
        spots = scan_attachment(attachment, params.kinds)
        if not spots:
            return
        counts: dict[str, int] = {}
        found: dict[str, list[str]] = {}
        for spot in spots:
            counts[spot["kind"]] = counts.get(spot["kind"], 0) + 1
            found.setdefault(spot["kind"], []).append(spot["value"])
        summary = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items())
        first = spots[0]
        yield FindingDraft(
            subject=subject,
            message=self.say(
                "exposed_attachment",
                label=label,
                summary=summary,
                where=describe(first),
                value=first["value"],
            ),
            evidence=item_evidence(
                item,
                attachment=about,
                found={k: v[:5] for k, v in found.items()},
                counts=counts,
                locations=spots[:20],
            ),
        )
