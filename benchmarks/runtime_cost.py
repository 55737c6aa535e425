"""What gVisor costs: the same runs under runc (the engine's default) and runsc, side by side.

    .venv/bin/python benchmarks/runtime_cost.py [--image IMG] [--runs N] [--out FILE]

(`make bench-runtime` registers runsc first with scripts/setup-gvisor.sh.) For each
runtime it starts the real service (`tests.service.Service`) and measures:

- print(1) warm: ``POST /api/v1/run`` through a warm pool (default preload), from a quiet
  service each time (pool full, nothing starting);
- print(1) cold: ``docker run --rm`` of the image with the sandbox's hardening flags;
- the realistic example (benchmarks/examples.py) warm, through the pool: what a reader waits;
- imports and compute of that example inside a fresh sandbox with nothing preloaded,
  timed by the code itself (imports: numpy, matplotlib.pyplot, skimage.data/filters;
  compute: the example's two cells once imports are done), and 20,000 ``os.stat`` calls
  (gVisor serves every system call in its Sentry: this is where its cost lies).

Medians (and min-max) of N runs; samples go to the JSON file. Exits 0 whatever it measures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from examples import REALISTIC  # noqa: E402

from tests.service import Service  # noqa: E402

IMPORTS = ("import time as _lg_t\n_lg_0 = _lg_t.perf_counter()\n"
           "import numpy, matplotlib.pyplot, skimage.data, skimage.filters\n"
           "print('imports', _lg_t.perf_counter() - _lg_0)\n_lg_0 = _lg_t.perf_counter()\n")
COMPUTE_END = "print('compute', _lg_t.perf_counter() - _lg_0)\n"
#: Where gVisor's cost comes from: every system call is served by its Sentry.
SYSCALLS = ("import os\n_lg_0 = _lg_t.perf_counter()\nfor _ in range(20000):\n    os.stat('/tmp')\n"
            "print('syscalls', _lg_t.perf_counter() - _lg_0)\n")
HARDENED = ["--network", "none", "--read-only", "--tmpfs", "/tmp:rw,noexec,size=64m",
            "--cap-drop", "ALL", "--security-opt", "no-new-privileges:true",
            "--user", "10001:10001", "--memory", "512m", "--pids-limit", "64", "--cpus", "1"]


def timed_post(service: Service, cells: list[str]) -> tuple[float, dict]:
    started = time.perf_counter()
    status, body = service.run(cells)
    elapsed = time.perf_counter() - started
    if status != 200 or not body.get("ok"):
        raise RuntimeError(f"run failed: {status} {json.dumps(body)[:300]}")
    return elapsed, body


def reported(body: dict, label: str) -> float:
    text = "".join(cell["stdout"] for cell in body["cells"])
    line = next(line for line in text.splitlines() if line.startswith(label + " "))
    return float(line.split()[1])


def measure(runtime: str, image: str, runs: int) -> dict:
    samples: dict[str, list[float]] = {k: [] for k in
                                       ("print_warm", "print_cold", "example_warm",
                                        "imports", "compute", "syscalls")}
    flags = ["--runtime", runtime] if runtime != "runc" else []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(["docker", "run", "--rm", *flags, *HARDENED, image, "python3", "-c",
                        "print(1)"], check=True, capture_output=True)
        samples["print_cold"].append(time.perf_counter() - started)

    setting = "" if runtime == "runc" else runtime
    warm = Service(image=image, pool_size=2, runtime=setting, timeout=60, ready_timeout=120)
    warm.start()
    try:
        warm.wait_pool_ready(180)
        timed_post(warm, ["print(1)"])  # warm-up
        for _ in range(runs):
            warm.wait_idle(180)
            samples["print_warm"].append(timed_post(warm, ["print(1)"])[0])
        for _ in range(max(2, runs // 2)):
            warm.wait_idle(180)
            samples["example_warm"].append(timed_post(warm, REALISTIC)[0])
    finally:
        warm.stop()

    cold = Service(image=image, pool_size=0, preload="", runtime=setting, timeout=60)
    cold.start()
    try:
        for _ in range(max(2, runs // 2)):
            _, body = timed_post(cold, [IMPORTS, *REALISTIC, COMPUTE_END, SYSCALLS])
            samples["imports"].append(reported(body, "imports"))
            samples["compute"].append(reported(body, "compute"))
            samples["syscalls"].append(reported(body, "syscalls"))
    finally:
        cold.stop()
    return samples


def median_ms(values: list[float]) -> str:
    if not values:
        return "-"
    return (f"{statistics.median(values) * 1000:7.0f} ms "
            f"({min(values) * 1000:.0f}-{max(values) * 1000:.0f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default="livegallery-sandbox:latest")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/runtime_cost.json"))
    args = parser.parse_args()
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    results = {rt: measure(rt, args.image, args.runs) for rt in ("runc", "runsc")}
    results["loadavg_before"] = load_before
    rows = [("print(1) warm (pool)", "print_warm"), ("print(1) cold docker run", "print_cold"),
            ("example warm (pool)", "example_warm"), ("example imports, fresh", "imports"),
            ("example compute, fresh", "compute"), ("20,000 stat() calls", "syscalls")]
    print(f"{'':28} {'runc':>26} {'runsc (gVisor)':>26} {'ratio':>6}")
    for label, key in rows:
        a, b = results["runc"][key], results["runsc"][key]
        ratio = statistics.median(b) / statistics.median(a) if a and b else float("nan")
        print(f"{label:28} {median_ms(a):>26} {median_ms(b):>26} {ratio:5.1f}x")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1))
    print(f"load average before: {' '.join(load_before)} (other work on the machine skews "
          "both columns)")
    print(f"samples: {args.out}")


if __name__ == "__main__":
    main()
