"""Every module that defines tables, imported so ``Base.metadata`` is complete.

Feature areas keep their own models next to their code; list the module here when
you add one.
"""

from __future__ import annotations

import importlib

MODEL_MODULES: tuple[str, ...] = (
    "monitor.store.models",
    "monitor.alerts.models",
    "monitor.scoring.models",
    "monitor.web.models",
    "monitor.crawl.models",
    "monitor.search.models",
)


def import_all_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)
