"""Shared driver of the atheris harnesses: instrument the monitor's parsers, run one
target, and treat only the documented error types as expected."""

from __future__ import annotations

import sys
from collections.abc import Callable

import atheris


def run(target: Callable[[bytes], None], *modules: str) -> None:
    with atheris.instrument_imports(include=["monitor"]):
        for name in modules:
            __import__(name)
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()


def text_of(data: bytes) -> tuple[str, atheris.FuzzedDataProvider]:
    provider = atheris.FuzzedDataProvider(data)
    return provider.ConsumeUnicodeNoSurrogates(len(data)), provider
