"""What a process needs to judge and score, built once at its entry point (a CLI
command, a worker process, the embedded service, the web app) and passed down:
settings, the registered rules, the ruleset and its binding, the scoring scheme and
the working-day calendar. Building reads every file involved, so a missing or broken
one fails there, before any work starts, and not in the middle of a cycle."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from monitor.calendar import WorkdayCalendar, load_calendar
from monitor.rulesets import BoundRule, Ruleset, bind, load_ruleset
from monitor.scoring.scheme import Scheme, scheme_for
from monitor.settings import Settings
from rules.registry import LoadedRules, load_rules

log = logging.getLogger(__name__)


class ConfigurationError(RuntimeError):
    """A file the settings name could not be read or is not valid."""


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    rules: LoadedRules
    ruleset: Ruleset
    bound: Mapping[str, list[BoundRule]]
    scheme: Scheme
    calendar: WorkdayCalendar
    # Ruleset lines that could not be bound (unknown rule, bad parameters) and rule
    # plug-ins that failed to load: reported by every evaluation, never fatal, so one
    # bad line does not stop the others (monitor.rulesets.bind).
    errors: tuple[str, ...] = field(default=())


def build_runtime(settings: Settings) -> Runtime:
    """Load and check everything once; raises ConfigurationError naming what failed."""
    try:
        rules = load_rules()
        ruleset = load_ruleset(settings)
        scheme = scheme_for(settings)
        calendar = load_calendar(settings)
    except Exception as exc:
        raise ConfigurationError(f"{type(exc).__name__}: {exc}") from exc
    bound, errors = bind(ruleset, rules)
    problems = (*rules.errors, *errors)
    for problem in problems:
        log.warning("ruleset: %s", problem)
    return Runtime(settings, rules, ruleset, bound, scheme, calendar, problems)
