"""Readers as they behave: open an example, run it, look at the figure for a few seconds,
run it again; each run sends back the session of the previous one.

* ``idle_reader``: one reader alone (the latency every target is measured against).
* ``repeated``: one reader's runs 2..N of the realistic example against the time the
  example's own code takes inside the sandbox (cells wrapped in timing cells).
* ``reader_arrivals``: a new reader every 1/rate seconds on average (Poisson), each
  running the example ``RUNS_PER_READER`` times, ``THINK_S`` after each answer.
* ``print_arrivals``: ``print(1)`` at a Poisson rate, each request from a returning
  reader (it sends back a token an earlier request got, if one is free).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from examples import REALISTIC, TRIVIAL
from openloop import Runs, open_loop, pct

RUNS_PER_READER = 4
THINK_S = 3.0
#: Timing cells around the example: what its own code costs inside the sandbox
#: (execution and figure encoding; no transport, no fork).
TIMED = ["import time as _t\n_t0 = _t.perf_counter()", *REALISTIC,
         "print('compute_ms', (_t.perf_counter() - _t0) * 1000)"]


async def one_reader(runs: Runs, http: aiohttp.ClientSession, url: str,
                     n: int = RUNS_PER_READER, think: float = THINK_S) -> None:
    session = None
    for i in range(n):
        if i:
            await asyncio.sleep(think)
        body = await runs.post(http, url, REALISTIC, session)
        session = body.get("session", session)


async def idle_reader(url: str, readers: int = 2) -> dict:
    """Readers one after the other, alone on the service."""
    runs = Runs()
    async with aiohttp.ClientSession() as http:
        for _ in range(readers):
            await one_reader(runs, http, url)
            await asyncio.sleep(THINK_S)  # the pool refills between readers
    return runs.summary()


async def repeated(url: str, n: int = 8) -> dict:
    """One reader's runs 2..n (the first one opens the session) vs compute only."""
    runs, compute = Runs(), []
    session = None
    async with aiohttp.ClientSession() as http:
        for i in range(n):
            body = await runs.post(http, url, REALISTIC, session)
            session = body.get("session", session)
            timed = await Runs().post(http, url, TIMED, session)
            session = timed.get("session", session)
            out = timed.get("cells", [{}])[-1].get("stdout", "compute_ms nan")
            if i:
                compute.append(float(out.split()[1]))
            await asyncio.sleep(0.5)
    warm = [s["ms"] for s in runs.samples[1:] if s["ok"]]
    p50, compute_p50 = pct(warm, 50), statistics.median(compute) if compute else None
    return {"p50_ms": p50, "compute_p50_ms": compute_p50,
            "ratio": p50 / compute_p50 if p50 and compute_p50 else None,
            "reused": sum(s["reused"] for s in runs.samples)}


async def reader_arrivals(url: str, rate: float, duration: float) -> dict:
    async def arrival(runs, http):
        await one_reader(runs, http, url)
    return (await open_loop(rate, duration, arrival)).summary()


async def print_arrivals(url: str, rate: float, duration: float) -> dict:
    free: list[str] = []  # tokens of returning readers not running right now

    async def arrival(runs, http):
        token = free.pop() if free else None
        body = await runs.post(http, url, [TRIVIAL], token)
        if body.get("session"):
            free.append(body["session"])
    return (await open_loop(rate, duration, arrival)).summary()


if __name__ == "__main__":  # a quick look against a running service
    print(json.dumps(asyncio.run(idle_reader(sys.argv[1], 1)), indent=1))
