from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import ClassVar
from urllib.parse import urlsplit

from rules._helpers import end_of_day, reference_day
from rules.api import (
    FetchOutcome,
    FetchView,
    FindingDraft,
    Rule,
    RuleContext,
    RuleParams,
    Severity,
)

# Outcomes that say the site failed to load. ``blocked`` is the monitor's own network
# guard and parse/decode errors mean the page did load: not the site's unreachability.
FAILED = frozenset({FetchOutcome.HTTP_ERROR, FetchOutcome.TIMEOUT, FetchOutcome.NETWORK_ERROR})
# Not probes of the site at all: refused by the guard, or never sent (the request
# waited past crawl.max_wait_seconds for its host's turn).
NOT_PROBES = frozenset({FetchOutcome.BLOCKED, FetchOutcome.DEFERRED})


class Unreachable(Rule):
    """The unit's disclosure site loads reliably.

    Basis: State Council General Office, national government website inspection
    indicators (2019): probed at least 20 times a day for a week, a site fails when 5 %
    or more of the probes do not load within 15 seconds.

    Per host of the unit's feeds, over the ``window_days`` (7) ending on the as-of day
    (or the period's last day), the share of fetches that failed (HTTP error, timeout,
    network error) or took longer than ``slow_seconds`` (15) must stay below
    ``max_failure_share`` (0.05). Fewer than ``min_probes`` (20, since the monitor polls
    less often than the inspectors' 20 a day; *unconfirmed*) gives no judgement.

    Bad: 30 probes in the week, 2 timeouts (6.7 %).
    Good: 30 probes, 1 answered in 16 s (3.3 %).
    """

    id = "availability.unreachable"
    title = "Site reachable: under 5 % of probes fail or exceed 15 s"
    basis = "GOV website inspection indicators (State Council General Office, 2019): availability"
    severity = Severity.HIGH
    messages: ClassVar[dict[str, str]] = {
        "unreachable": "{bad} of {probes} probes of {host} failed or took over {slow} s "
        "({share}) in the {days} days to {end}"
    }

    class Params(RuleParams):
        window_days: int = 7
        slow_seconds: float = 15.0
        max_failure_share: float = 0.05
        min_probes: int = 20

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        p = ctx.params
        end = min(ctx.as_of, end_of_day(reference_day(ctx)))
        start = end - timedelta(days=p.window_days)
        by_host: dict[str, list[FetchView]] = {}
        for fetch in ctx.fetches:
            if start < fetch.started_at <= end and fetch.outcome not in NOT_PROBES:
                by_host.setdefault(urlsplit(fetch.url).hostname or fetch.url, []).append(fetch)
        for host, fetches in sorted(by_host.items()):
            if len(fetches) < p.min_probes:
                continue
            bad = [f for f in fetches if f.outcome in FAILED or f.duration > p.slow_seconds]
            share = len(bad) / len(fetches)
            if share < p.max_failure_share:
                continue
            yield FindingDraft(
                subject=f"host:{host}",
                message=self.say(
                    "unreachable",
                    bad=len(bad),
                    probes=len(fetches),
                    host=host,
                    slow=f"{p.slow_seconds:g}",
                    share=f"{share:.1%}",
                    days=p.window_days,
                    end=end.date(),
                ),
                evidence={
                    "host": host,
                    "probes": len(fetches),
                    "failed": len(bad),
                    "share": round(share, 4),
                    "examples": [
                        {
                            "url": f.url,
                            "at": f.started_at.isoformat(),
                            "outcome": f.outcome,
                            "status": f.status,
                            "duration": f.duration,
                            "error": f.error,
                        }
                        for f in bad[:10]
                    ],
                },
            )
