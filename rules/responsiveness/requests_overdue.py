from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import ClassVar

from rules._helpers import item_evidence, local_date, parse_day, subject_for
from rules.api import (
    CalendarUnknown,
    FindingDraft,
    ItemView,
    Rule,
    RuleContext,
    RuleParams,
    Severity,
)

CONSULTATION_WORDS = ("咨询", "留言", "信箱", "互动")


def is_consultation(item: ItemView) -> bool:
    kind = str((item.meta or {}).get("type") or "").lower()
    if kind:
        return kind == "consultation"
    hay = (item.category or "") + (item.feed_category or "")
    return any(word in hay for word in CONSULTATION_WORDS)


def extension_days(value: object, cap: int) -> int:
    """``extended``: true (the full extension), a number of working days, or a date
    the applicant was notified (counts as the full extension)."""
    if value is None or value is False or value == "" or value == 0:
        return 0
    if value is True:
        return cap
    if isinstance(value, int | float):
        return min(int(value), cap)
    text = str(value).strip()
    if text.isdigit():
        return min(int(text), cap)
    return cap if parse_day(text) or text.lower() in ("true", "yes", "是") else 0


class RequestsOverdue(Rule):
    """Disclosure requests and consultations are answered in time.

    Basis: Regulations on Open Government Information (2019), art. 33: a request is
    answered within 20 working days of receipt, extended once by at most 20 more when
    the applicant is notified; State Council General Office website indicators (2019):
    a valid consultation left unanswered for more than 3 months fails the site.

    Reads items of a requests/consultations feed. Expected fields in ``Item.meta``:

    - ``received``: date received (``YYYY-MM-DD`` or ``YYYY年M月D日``), required;
    - ``answered``: date answered, empty while open;
    - ``extended``: the notified extension: ``true`` (20 working days), a number of
      working days (capped at 20), or the date the applicant was notified;
    - ``type``: ``request`` or ``consultation``; when absent, items whose category
      or feed category holds 咨询/留言/信箱/互动 are consultations, others requests.

    A request's deadline is ``received`` + 20 (+ extension) working days; a
    consultation's is ``received`` + ``consultation_days`` (92, "3 months") calendar
    days. Checked are the items whose deadline falls in the period and has passed
    by the as-of day: answered after it, or not answered, is a finding. When the
    deadline falls in a year the calendar does not know, the request gets a
    not-assessable finding in the period it was received in.

    Bad: received 2026-02-10, no extension, answered 2026-03-20 (deadline 2026-03-16: the Spring
    Festival week does not count).
    Good: received 2026-02-10, extended, answered 2026-04-03 (deadline 2026-04-14).
    """

    id = "responsiveness.requests_overdue"
    title = "Requests answered within 20 (+20) working days, consultations within 3 months"
    basis = (
        "Regulations on Open Government Information (2019), art. 33; GOV website indicators (2019)"
    )
    severity = Severity.HIGH
    messages: ClassVar[dict[str, str]] = {
        "cannot_assess": "cannot compute the answer deadline: {error}",
        "request_answered": "request received {received}, due {due}, answered {answered}",
        "request_unanswered": "request received {received}, due {due}, unanswered as of {today}",
        "consultation_answered": "consultation received {received}, due {due}, answered {answered}",
        "consultation_unanswered": "consultation received {received}, due {due}, "
        "unanswered as of {today}",
    }
    applies_to = frozenset({"township", "town", "street"})

    class Params(RuleParams):
        limit_workdays: int = 20
        max_extension_workdays: int = 20
        consultation_days: int = 92

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        p = ctx.params
        today = local_date(ctx.as_of)
        for item in ctx.items:
            meta = item.meta or {}
            received = parse_day(meta.get("received"))
            if received is None:
                continue
            answered = parse_day(meta.get("answered"))
            consultation = is_consultation(item)
            try:
                if consultation:
                    deadline = received + timedelta(days=p.consultation_days)
                else:
                    extra = extension_days(meta.get("extended"), p.max_extension_workdays)
                    deadline = ctx.calendar.add_workdays(received, p.limit_workdays + extra)
            except CalendarUnknown as exc:
                if received in ctx.period:
                    yield FindingDraft(
                        subject=subject_for(item),
                        message=self.say("cannot_assess", error=str(exc)),
                        assessable=False,
                        evidence=item_evidence(item, received=str(received)),
                    )
                continue
            if deadline not in ctx.period or deadline >= today:
                continue
            late = answered is None or answered > deadline
            if not late:
                continue
            what = "consultation" if consultation else "request"
            code = f"{what}_{'answered' if answered else 'unanswered'}"
            yield FindingDraft(
                subject=subject_for(item),
                message=self.say(
                    code, received=received, due=deadline, answered=answered, today=today
                ),
                evidence=item_evidence(
                    item,
                    kind=what,
                    received=str(received),
                    deadline=str(deadline),
                    answered=str(answered) if answered else None,
                    days_late=((answered or today) - deadline).days,
                ),
            )
