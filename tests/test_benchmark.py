"""The benchmark measures what production runs: its containers come from
``hardening.container_config`` and run the image's own harness."""

from __future__ import annotations

import asyncio
import math
import subprocess
from pathlib import Path

import pytest

from benchmarks import compute
from benchmarks.sandbox import REPEAT, bench_config, run_once
from livegallery.backend.config import Settings
from livegallery.backend.hardening import HARNESS, container_config

from .conftest import IMAGE


def test_bench_containers_use_the_production_config():
    settings = Settings(memory_mb=300, pids=50, cpus=0.5, preload="numpy")
    production = container_config(settings, "img", "owner")
    assert bench_config(settings, "img", "owner") == production
    repeat = bench_config(settings, "img", "owner", repeat=True)
    assert repeat["Cmd"] == [HARNESS[0], "-c", REPEAT]
    assert {k: v for k, v in repeat.items() if k != "Cmd"} == \
        {k: v for k, v in production.items() if k != "Cmd"}


@pytest.mark.docker
def test_the_harness_runs_in_bench_containers_and_leaves_nothing():
    """Both modes against the real image: one run, and ``main`` repeated in one process
    with a fresh namespace each time."""
    settings = Settings(image=IMAGE, preload="")
    cells = ["print(1)", "'x' in dir()"]
    once = asyncio.run(run_once(settings, IMAGE, compute.OWNER, "lgbench-test-once", cells))
    repeated = asyncio.run(run_once(settings, IMAGE, compute.OWNER, "lgbench-test-repeat",
                                    ["print('x' in dir())\nx = 1"], runs=3, repeat=True))
    assert once["runs"][0]["kinds"] == ["started", "stdout", "cell_done", "stdout",
                                        "cell_done", "done"]
    assert once["runs"][0]["stdout"] == "1\nFalse\n"
    # Each run starts from a fresh namespace: x of the run before is never seen.
    assert [r["stdout"] for r in repeated["runs"]] == ["False\n"] * 3
    assert all(r["kinds"][-1] == "done" and len(r["cells_s"]) == 1 for r in repeated["runs"])
    left = subprocess.run(["docker", "ps", "-aq", "--filter", "name=lgbench-test-"],
                          capture_output=True, text=True, check=True).stdout
    assert left == ""


@pytest.fixture
def bench_modules(monkeypatch):
    """openloop.py imports its siblings as top-level modules, as the scripts run them."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "benchmarks"))


def test_capacity_and_what_held_read_the_curve_as_the_docs_say(bench_modules):
    """capacity: the highest rate within the limit (the issue's definition); held: the
    highest rate up to which every rate was within it (a lucky pass above a failure, or a
    429 counted as endless, does not raise it)."""
    from benchmarks.openloop import capacity, held_up_to

    curve = {0.05: {"p90_ms": 300}, 0.1: {"p90_ms": 900}, 0.2: {"p90_ms": 350},
             0.5: {"p90_ms": math.inf}}
    assert capacity(curve, 378) == 0.2 and held_up_to(curve, 378) == 0.05
    assert capacity(curve, 100) is None and held_up_to(curve, 100) is None
    assert held_up_to({0.5: {"p90_ms": 1}, 0.1: {"p90_ms": 2}}, 5) == 0.5  # order-free


def test_a_rate_has_one_arrival_sequence_however_it_is_written(bench_modules):
    from benchmarks.openloop import arrivals

    assert arrivals(1, 30) == arrivals(1.0, 30) != arrivals(1.5, 30)
    assert arrivals(0.5, 30) == arrivals(0.5, 30) and len(arrivals(2, 30)) > 30
