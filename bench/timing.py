"""Whole-process timing: wall clock from outside, CPU and peak RSS from the kernel.

Each measured command is a fresh process (pinned with ``taskset`` when available);
``os.wait4`` hands back the reaped child's rusage, the figures ``/usr/bin/time -v``
prints. Commands compared with each other run alternately, round by round, with the
order rotated, so the machine's drift hits them alike and ratios are taken per round.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Run:
    label: str
    wall_s: float
    user_s: float
    sys_s: float
    peak_rss_mb: float
    returncode: int
    out: dict[str, Any] = field(default_factory=dict)
    stderr_tail: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and "error" not in self.out


def pinned(cmd: Sequence[str], cpu: int | None) -> list[str]:
    if cpu is None or shutil.which("taskset") is None or (os.cpu_count() or 1) <= cpu:
        return list(cmd)
    return ["taskset", "-c", str(cpu), *cmd]


def run_process(
    label: str,
    cmd: Sequence[str],
    *,
    cpu: int | None = 0,
    timeout: float = 900.0,
    env: Mapping[str, str] | None = None,
) -> Run:
    """Run ``cmd`` to completion; its last stdout line is read as JSON when it is."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(pinned(cmd, cpu), stdout=out, stderr=err, env=env)
        # A hung child must not hang the bench: kill it after the timeout.
        timer = threading.Timer(timeout, lambda: _kill(proc.pid))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines = out.read().decode(errors="replace").strip().splitlines()
        tail = err.read().decode(errors="replace")[-2000:]
    parsed: dict[str, Any] = {}
    if lines:
        try:
            parsed = json.loads(lines[-1])
        except json.JSONDecodeError:
            parsed = {"error": lines[-1][:500]}
    return Run(
        label=label,
        wall_s=wall,
        user_s=usage.ru_utime,
        sys_s=usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024.0,  # Linux reports KiB
        returncode=proc.returncode,
        out=parsed,
        stderr_tail=tail,
    )


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def alternate(
    commands: Mapping[str, Sequence[str]],
    rounds: int,
    *,
    before: Callable[[str, int], None] | None = None,
    after: Callable[[Run, int], None] | None = None,
    keep_going: Callable[[int], bool] | None = None,
    cpu: int | None = 0,
    timeout: float = 900.0,
) -> dict[str, list[Run]]:
    """A B C, B C A, C A B, ...: every command once per round, order rotated.

    ``keep_going(r)`` is asked before every round after the first (a time budget)."""
    labels = list(commands)
    runs: dict[str, list[Run]] = {label: [] for label in labels}
    for r in range(rounds):
        if r and keep_going is not None and not keep_going(r):
            break
        shift = r % len(labels)
        for label in labels[shift:] + labels[:shift]:
            if before:
                before(label, r)
            run = run_process(label, commands[label], cpu=cpu, timeout=timeout)
            runs[label].append(run)
            if after:
                after(run, r)
    return runs


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def paired_ratios(a: Sequence[float], b: Sequence[float]) -> list[float]:
    """a[i] / b[i] for the rounds where both exist."""
    return [x / y for x, y in zip(a, b, strict=False) if y]
