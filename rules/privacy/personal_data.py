from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from rules._helpers import item_evidence, items_in, subject_for
from rules.api import FindingDraft, Rule, RuleContext, RuleParams, Severity

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
    found: dict[str, list[str]] = {"resident_id": [], "mobile": [], "bank_card": []}
    ids = set()
    for m in ID_RE.finditer(text):
        if valid_resident_id(m.group(1)):
            ids.add(m.group(1))
            found["resident_id"].append(mask(m.group(1)))
    for m in MOBILE_RE.finditer(text):
        found["mobile"].append(mask(m.group(1)))
    for m in CARD_RE.finditer(text):
        number = m.group(1)
        if number not in ids and luhn_ok(number):
            found["bank_card"].append(mask(number))
    return {kind: values for kind, values in found.items() if values}


class PersonalData(Rule):
    """Published items expose no personal data.

    Basis: Regulations on Open Government Information (2019), art. 15 (no personal
    privacy without consent or overriding public interest); national key points of
    government disclosure work (2018): de-identify personal data before publication.
    Inspectors regularly find full ID and phone numbers in 低保 and poverty-relief lists.

    Scans the title and the main text of the latest version of each item published in
    the period for:

    - resident ID numbers (GB 11643): 18 characters whose check character is right
      (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, sum mod 11 → ``10X98765432``) and
      whose digits 7–14 are a real birth date;
    - mobile numbers: ``1[3-9]`` and 9 digits, optionally ``+86``;
    - bank card numbers: 16–19 digits passing the Luhn check (a heuristic: other long
      numbers can pass it).

    Masked forms (``4453**********1234``, ``138****5678``) pass. Items whose title holds
    one of ``exempt_title_words`` (administrative penalty decisions, which the law
    requires to name the party) are skipped. The finding's evidence masks what it found.

    Bad: "低保名单：张三 440301199001011237 13812345678".
    Good: "低保名单：张三 4403**********1237 138****5678".
    """

    id = "privacy.personal_data"
    title = "No resident ID, mobile or bank card numbers exposed"
    basis = "Regulations on Open Government Information (2019), art. 15"
    severity = Severity.CRITICAL

    class Params(RuleParams):
        exempt_title_words: tuple[str, ...] = ("行政处罚决定书",)
        kinds: tuple[str, ...] = ("resident_id", "mobile", "bank_card")

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        for item in items_in(ctx.items, ctx.period):
            if any(word in item.title for word in ctx.params.exempt_title_words):
                continue
            found = {
                k: v for k, v in scan(f"{item.title}\n{item.text}").items() if k in ctx.params.kinds
            }
            if not found:
                continue
            summary = ", ".join(f"{len(v)} {k.replace('_', ' ')}" for k, v in found.items())
            yield FindingDraft(
                subject=subject_for(item),
                message=f"personal data exposed: {summary}",
                evidence=item_evidence(
                    item,
                    found={k: v[:5] for k, v in found.items()},
                    counts={k: len(v) for k, v in found.items()},
                ),
            )
