"""3. Concurrent clients (1, 4, 16) looping a small run for a bounded time: throughput,
latency, 429s, other errors, and this service's containers once the pool settles."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp

from tests.service import containers

from .context import Context, log, post
from .examples import SMALL
from .stats import fmt, summary

LEVELS = (1, 4, 16)
ROW = "{:>7} {:>6} {:>8} {:>9} {:>9} {:>5} {:>6} {:>6} {:>6}"


def run(ctx: Context) -> dict:
    duration = 8.0 if ctx.quick else 20.0
    out = {"duration_s": duration, "levels": {},
           "client": "aiohttp, one session; after a 429 a client sleeps "
                     "min(Retry-After, 2 s) before trying again"}
    ctx.wait_quiet()
    post(ctx.url, {"cells": SMALL})  # warm-up
    for clients in LEVELS:
        ctx.wait_quiet()
        log(f"3. load: {clients} client(s) for {duration:g} s")
        level = asyncio.run(level_run(ctx.url + "/api/v1/run", clients, duration))
        level.update(settle(ctx))
        out["levels"][str(clients)] = level
    return out


def settle(ctx: Context) -> dict:
    """Wait for the pool to refill; how many of this service's containers are left."""
    settled = time.monotonic()
    try:
        ctx.service.wait_idle(timeout=90)
        pool = ctx.wait_quiet(timeout=90)
        return {"settle_s": time.monotonic() - settled,
                "containers_left": len(containers(ctx.owner)), "pool_ready": pool["ready"],
                "sessions": pool.get("sessions", 0)}
    except (AssertionError, RuntimeError) as exc:
        _, body = ctx.service.health()
        return {"settle_error": str(exc), "containers_left": len(containers(ctx.owner)),
                "pool_ready": body.get("pool", {}).get("ready")}


async def level_run(url: str, clients: int, duration: float) -> dict:
    body = {"cells": SMALL}
    lat, errors, statuses = [], [], {}
    n429 = 0
    timeout = aiohttp.ClientTimeout(total=90)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        start = time.monotonic()
        end = start + duration

        async def client():
            nonlocal n429
            while time.monotonic() < end:
                t = time.monotonic()
                try:
                    async with session.post(url, json=body) as resp:
                        raw = await resp.read()
                        status, retry = resp.status, resp.headers.get("Retry-After")
                except Exception as exc:  # noqa: BLE001 - every failure counts as an error
                    errors.append(f"exception {exc!r}")
                    await asyncio.sleep(0.1)
                    continue
                dt = time.monotonic() - t
                statuses[status] = statuses.get(status, 0) + 1
                if status == 429:
                    n429 += 1
                    await asyncio.sleep(min(float(retry or 1), 2.0,
                                            max(0.0, end - time.monotonic())))
                elif status != 200:
                    errors.append(f"HTTP {status}: {raw[:300]!r}")
                elif (problem := check(raw)) is None:
                    lat.append(dt)
                else:
                    errors.append(problem)

        await asyncio.gather(*(client() for _ in range(clients)))
        wall = time.monotonic() - start
    return {"clients": clients, "wall_s": wall, "ok": len(lat),
            "throughput_per_s": len(lat) / wall, "latency": summary(lat),
            "n429": n429, "errors": len(errors), "error_samples": errors[:10],
            "statuses": {str(k): v for k, v in sorted(statuses.items())}}


def check(raw: bytes) -> str | None:
    """Why a 200 answer is not a successful run, or None."""
    try:
        result = json.loads(raw)
    except ValueError:
        return f"200 with bad JSON {raw[:200]!r}"
    if result.get("ok") and result["cells"][0]["stdout"]:
        return None
    return f"200 not ok: {str(result)[:300]}"


def report(ld: dict) -> list[str]:
    lines = [f"3. load: small numpy run, {ld['duration_s']:g} s per level, 127.0.0.1; "
             f"{ld['client']}",
             ROW.format("clients", "ok", "runs/s", "p50 ms", "p90 ms", "429", "errors", "left",
                        "ready")]
    for level in ld["levels"].values():
        lines.append(ROW.format(level["clients"], level["ok"], f"{level['throughput_per_s']:.2f}",
                                fmt(level["latency"]["p50_ms"]), fmt(level["latency"]["p90_ms"]),
                                level["n429"], level["errors"], level.get("containers_left"),
                                level.get("pool_ready")))
    for level in ld["levels"].values():
        lines += [f"  error ({level['clients']} clients): {e}" for e in level["error_samples"][:3]]
        if "settle_error" in level:
            lines.append(f"  did not settle ({level['clients']} clients): "
                         f"{level['settle_error']}")
    return lines


def targets(ld: dict) -> list[dict]:
    rows = []
    for clients, level in ld["levels"].items():
        rows.append({"target": f"load {clients:>2} clients: 0 errors besides 429",
                     "measured": level["errors"], "limit": 0, "detail": "",
                     "pass": level["errors"] == 0})
        # Idle reader sessions keep their containers by design; nothing else may stay.
        kept = (level.get("pool_ready") or 0) + level.get("sessions", 0)
        ok = level.get("containers_left") == kept and "settle_error" not in level
        rows.append({"target": f"load {clients:>2} clients: containers left == ready + sessions",
                     "measured": level.get("containers_left"), "limit": kept,
                     "detail": f"{level.get('containers_left')} left, "
                               f"{level.get('pool_ready')} ready, "
                               f"{level.get('sessions', 0)} sessions", "pass": ok})
    return rows
