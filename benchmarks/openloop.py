"""Open-loop load: requests arrive at random (Poisson) whatever the service does, the way
readers do, so a slow service faces a growing queue instead of a politely waiting client.

Shared by load_curve.py (``print(1)``) and readers.py (the reader workload).
"""

from __future__ import annotations

import asyncio
import math
import random
import time

import aiohttp
from stats import pct  # benchmarks/ is on sys.path, as for this module

#: Every curve uses the same seed: the same arrival times at the same rate, run to run.
SEED = 20261122



def arrivals(rate: float, duration: float, seed: int = SEED) -> list[float]:
    """Poisson arrival times (seconds from the start) at ``rate`` per second."""
    rng = random.Random(f"{seed}-{rate:g}")  # 1 and 1.0 (from the command line): one sequence
    times, t = [], rng.expovariate(rate)
    while t < duration:
        times.append(t)
        t += rng.expovariate(rate)
    return times


class Runs:
    """Every request of one measurement: latency, status, and whether it ran ok."""

    def __init__(self):
        self.samples: list[dict] = []
        self.started = time.monotonic()
        self.ended = self.started

    async def post(self, http: aiohttp.ClientSession, url: str, cells: list[str],
                   session: str | None = None) -> dict:
        payload = {"cells": cells}
        if session:
            payload["session"] = session
        start = time.monotonic()
        try:
            async with http.post(url + "/api/v1/run", json=payload,
                                 timeout=aiohttp.ClientTimeout(total=120)) as resp:
                body = await resp.json()
                status = resp.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            body, status = {"error": repr(exc)}, 0
        end = time.monotonic()
        self.ended = max(self.ended, end)
        sample = {"ms": (end - start) * 1000, "status": status,
                  "ok": status == 200 and body.get("ok") is True,
                  "reused": bool(session) and body.get("session") == session}
        self.samples.append(sample)
        return body if status == 200 else {}

    def summary(self) -> dict:
        """p50/p90 over every request, a refused or failed one counting as endless (a
        429 is not a fast answer); runs/s = ok runs per second of the measurement."""
        ms = [s["ms"] if s["ok"] else math.inf for s in self.samples]
        ok = sum(s["ok"] for s in self.samples)
        elapsed = max(self.ended - self.started, 1e-9)
        return {"n": len(ms), "ok": ok, "p50_ms": pct(ms, 50), "p90_ms": pct(ms, 90),
                "busy_429": sum(s["status"] == 429 for s in self.samples),
                "other_errors": sum(not s["ok"] and s["status"] != 429
                                    for s in self.samples),
                "reused": sum(s["reused"] for s in self.samples),
                "runs_per_s": ok / elapsed, "samples": self.samples}


async def open_loop(rate: float, duration: float, one_arrival) -> Runs:
    """Start ``one_arrival(runs, http)`` at each Poisson arrival; wait for them all."""
    runs = Runs()
    tasks = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        start = time.monotonic()
        runs.started = start
        for at in arrivals(rate, duration):
            await asyncio.sleep(max(0.0, start + at - time.monotonic()))
            tasks.append(asyncio.create_task(one_arrival(runs, http)))
        await asyncio.gather(*tasks)
    return runs


def within(stats: dict, limit_ms: float) -> bool:
    return stats["p90_ms"] is not None and stats["p90_ms"] <= limit_ms


def capacity(curve: dict[float, dict], limit_ms: float) -> float | None:
    """The highest rate whose p90 stays within ``limit_ms`` (None: not even the lowest)."""
    fine = [rate for rate, s in curve.items() if within(s, limit_ms)]
    return max(fine) if fine else None


def held_up_to(curve: dict[float, dict], limit_ms: float) -> float | None:
    """The highest rate up to which *every* measured rate stays within ``limit_ms``: a
    lucky pass above a failing rate (Poisson bursts are noisy) does not count."""
    held = None
    for rate in sorted(curve):
        if not within(curve[rate], limit_ms):
            break
        held = rate
    return held
