"""The realistic example run by the harness itself, without the service (sections 2b, 2c).

Every container here is created from ``hardening.container_config`` (see ``sandbox.py``),
so the limits, user, tmpfs and preload are those of production.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import socket

from .context import Context, log
from .examples import REALISTIC
from .sandbox import run_once
from .stats import summary

#: In the services' owner format (host/pid/tag): a service that starts meanwhile sweeps
#: them only once this process is gone, as it does its own leftovers.
OWNER = f"{socket.gethostname()}/{os.getpid()}/bench"


def _ok(run: dict) -> bool:
    kinds = run["kinds"]
    return kinds[-1] == "done" and "error" not in kinds and run["images"] == 1


def cold(ctx: Context) -> dict:
    """(b): a new container per run, no preload (the harness imports only what the
    example imports): create, start, ready, run; removal timed apart."""
    n = 3 if ctx.quick else 6
    log(f"2b. realistic example in a new container each time: warm-up + {n} samples")
    settings = dataclasses.replace(ctx.settings, preload="")
    to_result, ready, remove, problems = [], [], [], []
    for i in range(n + 1):
        if not ctx.in_time():
            break
        ctx.wait_quiet()
        try:
            out = asyncio.run(run_once(settings, ctx.image, OWNER, ctx.name("cold2"), REALISTIC))
        except Exception as exc:  # noqa: BLE001 - a failed sample is reported, not fatal
            problems.append(repr(exc)[:300])
            continue
        if not _ok(out["runs"][0]):
            problems.append(f"cold run: {out['runs'][0]['kinds']}")
        elif i:  # the first one is the warm-up
            to_result.append(out["to_first_result_s"])
            ready.append(out["ready_s"])
            remove.append(out["remove_s"])
    return {"to_result": summary(to_result), "ready": summary(ready),
            "remove": summary(remove), "preload": "", "problems": problems}


def warm(ctx: Context) -> dict:
    """(c): the default preload done, the sandbox ready; time request -> ``done``.
    *first run*: the first run in a freshly ready sandbox (what every pooled sandbox does);
    *steady*: runs 2..N of the harness's ``main`` repeated in one interpreter."""
    n, fresh = (10, 2) if ctx.quick else (25, 4)
    log(f"2c. realistic example in a ready harness: {fresh} fresh sandboxes, {n} steady runs")
    ctx.wait_quiet()
    firsts, problems, reusable = [], [], False
    for _ in range(fresh):
        out = asyncio.run(run_once(ctx.settings, ctx.image, OWNER, ctx.name("warm"), REALISTIC))
        firsts += out["runs"]
        reusable = out["reusable"]
    # A reusable harness serves the repeated runs itself, exactly as in production.
    out = asyncio.run(run_once(ctx.settings, ctx.image, OWNER, ctx.name("steady"), REALISTIC,
                               runs=n + 1, repeat=not reusable))
    steady = out["runs"][1:]
    problems += [f"run: {r['kinds']}" for r in firsts + steady if not _ok(r)]
    firsts = [r for r in firsts if _ok(r)]
    steady = [r for r in steady if _ok(r)]

    def cells(runs):
        return [summary([r["cells_s"][i] for r in runs]) for i in range(len(REALISTIC))]
    return {"steady": summary([r["total_s"] for r in steady]), "steady_cells": cells(steady),
            "first_run": summary([r["total_s"] for r in firsts]),
            "first_run_cells": cells(firsts), "problems": problems,
            "reusable_harness": reusable,
            "note": "steady: runs 2..N in one sandbox (harness.main() repeated if the harness "
                    "is single-use); first_run: the first run in a freshly ready sandbox"}
