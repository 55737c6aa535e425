"""Measure livegallery end to end against the real Docker engine, in one run.

    .venv/bin/python -m benchmarks [--image IMG] [--quick] [--only NAME ...] [--out PATH]

Starts the real service (default settings, a free port of 127.0.0.1), runs the
benchmarks of ``registry.BENCHMARKS``, prints a report with a targets block and writes
every sample to a JSON file (default ``benchmarks/results/latest.json``). Exits 0 whatever
the verdicts: it is a measurement, not a test. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import signal
import time
import traceback
from pathlib import Path

from livegallery.backend.config import from_env

from .context import ROOT, Context, environment, loadavg, log
from .registry import BENCHMARKS
from .report import report


def measure(ctx: Context, benchmarks) -> dict:
    s = ctx.settings
    r = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
         "mode": "quick" if ctx.quick else "full", "image": ctx.image,
         "environment": environment(ctx.image),
         "settings": {k: getattr(s, k) for k in (
             "pool_size", "max_concurrent", "queue_size", "queue_timeout",
             "refill_concurrency", "cpus", "memory_mb", "timeout")},
         "overrides": {"image": ctx.image} if ctx.image != from_env().image else {},
         "loadavg_start": loadavg(), "sections": {}, "errors": {}, "targets": []}
    t0 = time.monotonic()
    log(f"starting the service (image {ctx.image})")
    r["service_ready_s"] = ctx.start_service()
    for bench in benchmarks:
        try:
            r["sections"][bench.name] = section = bench.run(ctx)
        except Exception as exc:  # noqa: BLE001 - a broken benchmark must not lose the rest
            log(f"{bench.name} failed:\n{traceback.format_exc()}")
            r["errors"][bench.name] = repr(exc)
            continue
        r["targets"] += bench.targets(section)
    r["loadavg_end"] = loadavg()
    r["elapsed_s"] = time.monotonic() - t0
    return r


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--image", default=from_env().image)
    parser.add_argument("--quick", action="store_true", help="fewer samples, 8 s load levels")
    parser.add_argument("--only", nargs="+", choices=[b.name for b in BENCHMARKS],
                        help="run only these benchmarks")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "latest.json"))
    args = parser.parse_args(argv)
    benchmarks = [b for b in BENCHMARKS if not args.only or b.name in args.only]

    def terminate(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, terminate)

    ctx = Context(args.image, args.quick)
    result: dict = {}
    try:
        result = measure(ctx, benchmarks)
    finally:
        ctx.cleanup(result)
    result["report"] = text = report(result, benchmarks)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(text)
    print(f"\nfull results: {out}")
    return 0
