"""The benchmarks of one run, in order. To add one: a module with ``run(ctx) -> dict``,
``report(section) -> list[str]`` and optionally ``targets(section) -> list[dict]`` (see
``stats.ratio_target``), and one line here. ``--only NAME`` runs a subset."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import load, memory, realistic, trivial
from .context import Context


@dataclass(frozen=True)
class Benchmark:
    name: str  #: its key under "sections" in the JSON results
    run: Callable[[Context], dict]
    report: Callable[[dict], list[str]]
    targets: Callable[[dict], list[dict]] = lambda section: []


BENCHMARKS = [
    Benchmark("memory_before", memory.before, memory.report),
    Benchmark("trivial", trivial.run, trivial.report, trivial.targets),
    Benchmark("realistic", realistic.run, realistic.report, realistic.targets),
    Benchmark("load", load.run, load.report, load.targets),
    Benchmark("memory_after", memory.after, memory.report),
]
