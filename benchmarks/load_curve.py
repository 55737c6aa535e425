"""Warm latency under real load, with reader sessions and without, side by side.

    .venv/bin/python benchmarks/load_curve.py [--image IMG] [--quick] [--out PATH]
        [--baseline COMMIT] [--modes M,..] [--reader-rates R,..] [--print-rates R,..]

For each mode (default settings; then the same with ``max_sessions=0``; then, with
``--baseline``, the service as it was at that commit, see baseline.py) it starts the real
service (``tests.service.Service``) and measures, one after the other:

1. one idle reader (the realistic example 4 times, 3 s apart, session sent back);
2. repeated runs of the realistic example in one session vs its compute-only time;
3. ``print(1)`` arriving at Poisson rates (returning readers, tokens sent back);
4. readers arriving at Poisson rates, each running the example 4 times, 3 s apart.

Capacity is the highest rate whose p90 (a 429 counts as endless) stays within 2x the
idle reader's p50. Prints a Markdown table (for docs/performance.rst) and writes every
number to a JSON file (default ``benchmarks/results/load_curve.json``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from baseline import Baseline  # noqa: E402
from openloop import capacity, held_up_to  # noqa: E402
from readers import idle_reader, print_arrivals, reader_arrivals, repeated  # noqa: E402

from tests.service import Service  # noqa: E402

PRINT_RATES = [0.5, 1, 2, 4, 8]
MODES = {"sessions": {}, "no sessions": {"max_sessions": 0}}
#: The mode --baseline adds: an earlier commit's service with its own image and defaults.
BASELINE = "baseline"
#: Each mode's reader rates bracket its own capacity: without sessions it lies below
#: 0.25 readers/s, so that mode is measured down to one new reader every 20 s.
READER_RATES = {"sessions": [0.25, 0.5, 0.75, 1, 1.5, 2],
                "no sessions": [0.05, 0.1, 0.15, 0.2, 0.25, 0.5],
                BASELINE: [0.05, 0.1, 0.15, 0.2, 0.25, 0.5]}
#: Readers per rate at least: a slow rate runs longer, so its p90 rests on as many runs.
MIN_READERS = 12


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def loadavg() -> list[float]:
    with open("/proc/loadavg") as fh:
        return [float(x) for x in fh.read().split()[:3]]


def reader_duration(rate: float, base: float, quick: bool) -> float:
    return max(base, (MIN_READERS / (2 if quick else 1)) / rate)


async def measure(service: Service, quick: bool, reader_rates: list[float],
                  print_rates: list[float]) -> dict:
    url = service.url
    duration = 15 if quick else 30
    out = {"load_start": loadavg()}
    log("  idle reader")
    out["idle"] = await idle_reader(url, 1 if quick else 2)
    log(f"    p50 {out['idle']['p50_ms']:.0f} ms")
    log("  repeated runs vs compute only")
    out["repeated"] = await repeated(url, 5 if quick else 8)
    limit = 2 * out["idle"]["p50_ms"]
    out["print"], out["readers"] = {}, {}
    for rate in print_rates:
        service.wait_idle(60)
        log(f"  print(1) at {rate}/s")
        out["print"][rate] = await print_arrivals(url, rate, duration / 2)
    for rate in reader_rates:
        service.wait_idle(60)
        seconds = reader_duration(rate, duration, quick)
        log(f"  readers at {rate}/s for {seconds:.0f} s")
        out["readers"][rate] = await reader_arrivals(url, rate, seconds)
        log("    " + ", ".join(f"{k} {v:.2f}" for k, v in out["readers"][rate].items()
                                if isinstance(v, (int, float))))
    out["capacity_readers_per_s"] = capacity(out["readers"], limit)
    out["held_readers_per_s"] = held_up_to(out["readers"], limit)
    idle_print = out["print"][print_rates[0]]["p50_ms"] if print_rates else None
    out["capacity_print_per_s"] = capacity(out["print"], 2 * idle_print) if idle_print else None
    out["load_end"] = loadavg()
    return out


def ms(value) -> str:
    if value is None:
        return "-"
    if value != value or value == float("inf"):  # NaN or endless: 429s among them
        return "∞"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def table(results: dict) -> str:
    modes = list(results)
    lines = []
    reader_rates = sorted({rate for m in modes for rate in results[m]["readers"]})
    print_rates = sorted({rate for m in modes for rate in results[m]["print"]})
    for name, key, rates in (("print(1)", "print", print_rates),
                             ("readers", "readers", reader_rates)):
        head = f"| {name} arrivals /s | " + " | ".join(
            f"{m}: p50 / p90 ms, 429, runs/s" for m in modes) + " |"
        lines += [head, "|---" * (1 + len(modes)) + "|"]
        for rate in rates:
            cells = []
            for m in modes:
                s = results[m][key].get(rate)
                if s is None:
                    cells.append("-")
                    continue
                cells.append(f"{ms(s['p50_ms'])} / {ms(s['p90_ms'])}, {s['busy_429']} of "
                             f"{s['n']}, {s['runs_per_s']:.2f}")
            lines.append(f"| {rate:g} | " + " | ".join(cells) + " |")
        lines.append("")
    lines.append("| | " + " | ".join(modes) + " |")
    lines.append("|---" * (1 + len(modes)) + "|")
    rows = [
        ("idle reader p50 / p90 ms", lambda r: f"{ms(r['idle']['p50_ms'])} / "
                                                f"{ms(r['idle']['p90_ms'])}"),
        ("repeated example p50 ms / compute only ms / ratio", lambda r: (
            f"{ms(r['repeated']['p50_ms'])} / {ms(r['repeated']['compute_p50_ms'])} / "
            f"{r['repeated']['ratio']:.2f}" if r['repeated']['ratio'] else "-")),
        ("reader capacity /s (p90 <= 2x idle p50)",
         lambda r: str(r["capacity_readers_per_s"])),
        ("readers held /s (every rate up to it within 2x idle p50)",
         lambda r: str(r["held_readers_per_s"])),
        ("print(1) capacity /s (p90 <= 2x its p50 at the lowest rate)",
         lambda r: str(r["capacity_print_per_s"])),
        ("load average start / end", lambda r: f"{r['load_start'][0]:.1f} / "
                                               f"{r['load_end'][0]:.1f}"),
    ]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(results[m]) for m in modes) + " |")
    return "\n".join(lines)


@contextlib.contextmanager
def mode_service(mode: str, args):
    """The real service of one mode, started; the baseline's from its own checkout."""
    with contextlib.ExitStack() as stack:
        settings, env = dict(MODES.get(mode, {})), {}
        if mode == BASELINE:
            baseline = stack.enter_context(Baseline(args.baseline))
            settings["image"], env = baseline.image, baseline.env()
        elif args.image:
            settings["image"] = args.image
        log(f"mode: {mode} {settings}")
        service = Service(env=env, **settings)
        service.start()
        stack.callback(service.stop)
        yield service


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--image", default=None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/load_curve.json"))
    parser.add_argument("--modes", default=",".join(MODES),
                        help="which modes, comma-separated (default: both)")
    parser.add_argument("--reader-rates", default=None,
                        help="reader rates for every mode, comma-separated (default: "
                             "each mode's own list)")
    parser.add_argument("--print-rates", default=",".join(map(str, PRINT_RATES)),
                        help="print(1) rates, comma-separated (empty: none)")
    parser.add_argument("--baseline", default=None, metavar="COMMIT",
                        help="also measure the service as it was at COMMIT (its own image), "
                             "sessions or not, as it was: today's service, for the ratios")
    args = parser.parse_args()
    modes = [m for m in args.modes.split(",") if m] + ([BASELINE] if args.baseline else [])
    print_rates = [float(r) for r in args.print_rates.split(",") if r]
    results = {}
    for mode in modes:
        rates = ([float(r) for r in args.reader_rates.split(",")] if args.reader_rates
                 else READER_RATES[mode])
        with mode_service(mode, args) as service:
            results[mode] = asyncio.run(measure(service, args.quick, rates, print_rates))
    text = table(results)
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"results": results, "table": text}, indent=1, default=str))
    log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
