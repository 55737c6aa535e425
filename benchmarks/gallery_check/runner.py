"""Run each example's cells through the real service and judge them against the reference.

Every run gets one extra cell at the end that reads the sandbox's peak memory from its
cgroup (v1 or v2); its output is taken off before the comparison.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass

from tests.fidelity_support import (
    counts_difference,
    difference,
    html_not_compared,
    shown_by_service,
)

from .pages import NEEDS_DATA, Example

PEAK_PROBE = '''
for _path in ("/sys/fs/cgroup/memory.peak", "/sys/fs/cgroup/memory/memory.max_usage_in_bytes"):
    try:
        print("livegallery-peak-bytes", open(_path).read().strip())
        break
    except OSError:
        pass
'''
_PEAK = re.compile(r"livegallery-peak-bytes (\d+)")


@dataclass
class Outcome:
    name: str
    status: str  # match | varies | differs | error | needs data | reference failed
    reason: str
    seconds: float
    peak_mb: float | None
    figures: int


#: Seconds the check waits for one answer: past any run timeout an operator would set.
REQUEST_TIMEOUT = 900


def run_example(service, example: Example) -> Outcome:
    outcome, cells = _run_once(service, example)
    if outcome.status == "differs":
        # Text that differs may be the example's own doing (a clock, unseeded noise):
        # then a second run of the service differs from the first just as much.
        again, cells_again = _run_once(service, example)
        outcome.reason = varies(example, cells, cells_again) or outcome.reason
        if outcome.reason.startswith(VARIES):
            outcome.status = "varies"
    return outcome


VARIES = "run-dependent text"


def varies(example: Example, first: list[dict], second: list[dict]) -> str | None:
    """Why two runs of the service show different text while every figure and HTML
    output matches sphinx-gallery's, or None when the runs agree (a real difference)."""
    a = [shown_by_service(c) for c in first]
    b = [shown_by_service(c) for c in second]
    if counts_difference(example.expected, a) or counts_difference(example.expected, b):
        return None
    why = difference(a, b)
    if why is None:
        return None
    return f"{VARIES} (two runs of the service differ too; figures match): {why}"


def _run_once(service, example: Example) -> tuple[Outcome, list[dict]]:
    started = time.monotonic()
    try:
        status_code, _, raw = service.request(
            "POST", "/api/v1/run", json.dumps({"cells": example.cells + [PEAK_PROBE]}).encode(),
            {"Content-Type": "application/json"}, timeout=REQUEST_TIMEOUT)
        body = json.loads(raw)
    except (OSError, ValueError) as exc:
        status_code, body = 0, {"error": f"no answer: {exc}"}
    seconds = time.monotonic() - started
    figures = sum(shown.figures for shown in example.expected)
    if status_code != 200:
        return Outcome(example.name, "error", f"HTTP {status_code}: {body}", seconds, None,
                       figures), []
    cells = body.get("cells", [])
    peak = None
    if len(cells) > len(example.cells):
        found = _PEAK.search(cells[-1].get("stdout", ""))
        peak = int(found.group(1)) / 2**20 if found else None
        cells = cells[:len(example.cells)]
    status, reason = judge(example, body, cells)
    return Outcome(example.name, status, reason, seconds, peak, figures), cells


def judge(example: Example, body: dict, cells: list[dict]) -> tuple[str, str]:
    error = body.get("error") or {}
    service_error = f"{error.get('message', '')}\n{error.get('traceback', '')}"
    if example.needs_data or (error and NEEDS_DATA.search(service_error)):
        if example.needs_data and not error:
            return "needs data", "the service ran it; sphinx-gallery's run had no data"
        return "needs data", "downloads a dataset at run time (setting data_dir)"
    if example.reference_error:
        raised = re.findall(r"^\s*([\w.]*(?:Error|Exception)\b[^\n]*)",
                            example.reference_error, re.M)
        return "reference failed", (raised[-1] if raised else "see its page")[:120]
    if error:
        message = error.get("message", "").strip().splitlines()
        return "error", f"{error.get('kind')} in cell {error.get('cell')}: " + (
            message[-1][:120] if message else "")
    got = [shown_by_service(c) for c in cells]
    why = difference(example.expected, got)
    if why:
        return "differs", why
    if html_not_compared(example.expected, got):
        return "match", "text and figures; its HTML outputs not compared (service sends none)"
    return "match", ""
