"""Measure livegallery end to end against the real Docker engine, in one run.

    .venv/bin/python benchmarks/run.py [--image IMG] [--quick] [--out PATH]

Starts the real service (``python -m livegallery.backend``, default settings, on a free
port of 127.0.0.1), measures the sections below, prints a table and a targets block, and
writes every sample to a JSON file (default ``benchmarks/results/latest.json``). Exits 0
whatever the verdicts: it is a measurement, not a test.

1. ``print(1)`` through the warm pool vs ``docker run --rm IMG python -c "print(1)"``.
2. A realistic scikit-image example: (a) through the service, (b) cold in ``docker run``
   with the harness, (c) compute only, in an already-warm interpreter.
3. Concurrent clients (1, 4, 16) looping for a bounded time: throughput, latency, 429s,
   errors, containers left over.
4. Memory of the service process and of the pool's idle containers.

Every sample of sections 1 and 2 is taken with the service quiet: no run in progress,
the pool full, nothing starting, the used container removed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp  # noqa: E402

from examples import REALISTIC, SMALL, TRIVIAL  # noqa: E402
from livegallery.backend.config import from_env  # noqa: E402
from tests.service import Service, containers  # noqa: E402

BENCH_LABEL = "livegallery-bench"  # on the containers this script starts itself
HARNESS = ["python3", "/opt/livegallery/harness.py"]
#: Flags of the cold harness run (section 2b), as the brief asks: "hardening-ish".
COLD_FLAGS = ["--network", "none", "--read-only", "--tmpfs", "/tmp"]

#: The in-container driver of section 2c. It imports the harness module exactly as the
#: sandbox has it, preloads like the sandbox, then for every line on stdin runs the cells
#: in a fresh namespace and saves the figures as the harness does (``figure_events`` of
#: ``livegallery_display``, the harness's ``display``), timing each
#: part with a monotonic clock. Results go to a private copy of fd 1 (importing the
#: harness points fd 1 at stderr, as in the sandbox).
DRIVER = r'''
import io, json, os, sys, time
out = os.fdopen(os.dup(1), "w", buffering=1)
sys.path.insert(0, "/opt/livegallery")
import harness
harness.prepare_matplotlib_cache()
t0 = time.perf_counter()
harness.preload(os.environ.get("LIVEGALLERY_PRELOAD", ""))
harness.silence_show()
out.write(json.dumps({"type": "ready", "preload_s": time.perf_counter() - t0}) + "\n")
cells = json.loads(sys.stdin.readline())["cells"]
for _ in sys.stdin:
    ns = {"__name__": "__main__", "__builtins__": __builtins__}
    rec = {"type": "run", "exec_s": [], "png_s": [], "json_s": [], "png_b64_bytes": []}
    saved, sys.stdout = sys.stdout, io.StringIO()
    start = time.perf_counter()
    try:
        for i, src in enumerate(cells):
            t = time.perf_counter()
            exec(compile(src, "<cell %d>" % (i + 1), "exec"), ns)
            t1 = time.perf_counter()
            images = [e["data"] for e in harness.display.figure_events(ns)
                      if e["type"] == "image"]
            t2 = time.perf_counter()
            for data in images:
                json.dumps({"type": "image", "cell": i, "mime": "image/png", "data": data},
                           ensure_ascii=False).encode()
                rec["png_b64_bytes"].append(len(data))
            t3 = time.perf_counter()
            rec["exec_s"].append(t1 - t)
            rec["png_s"].append(t2 - t1)
            rec["json_s"].append(t3 - t2)
    finally:
        sys.stdout = saved
    rec["total_s"] = time.perf_counter() - start
    out.write(json.dumps(rec) + "\n")
'''


# -- small helpers ----------------------------------------------------------------------

def pct(values: list[float], q: float) -> float | None:
    """The q-th percentile (linear interpolation between closest ranks)."""
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summary(values_s: list[float]) -> dict:
    ms = [v * 1000 for v in values_s]
    return {"n": len(ms), "p50_ms": pct(ms, 50), "p90_ms": pct(ms, 90),
            "min_ms": min(ms) if ms else None, "max_ms": max(ms) if ms else None,
            "mean_ms": statistics.fmean(ms) if ms else None, "samples_ms": ms}


def fmt(ms: float | None) -> str:
    if ms is None:
        return "-"
    return f"{ms:.1f}" if ms < 1000 else f"{ms:,.0f}"


def loadavg() -> list[float]:
    with open("/proc/loadavg") as fh:
        return [float(x) for x in fh.read().split()[:3]]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def post(url: str, payload: dict, timeout: float = 120) -> tuple[int, dict, float, int]:
    """POST JSON; (status, body, seconds on a monotonic clock, response bytes)."""
    data = json.dumps(payload).encode()
    req = urllib.request.Request(url + "/api/v1/run", data=data, method="POST",
                                 headers={"Content-Type": "application/json"})
    start = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw, status = resp.read(), resp.status
    except urllib.error.HTTPError as err:
        raw, status = err.read(), err.code
    elapsed = time.monotonic() - start
    return status, json.loads(raw), elapsed, len(raw)


def docker_rm(names: list[str]) -> None:
    if names:
        subprocess.run(["docker", "rm", "-f", *names], capture_output=True, timeout=60)


class Bench:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.image = args.image
        self.settings = from_env(image=args.image)  # what the service will run with
        self.service: Service | None = None
        self.owner = ""
        self.pool_size = self.settings.pool_size
        self.names: list[str] = []  # containers started by this script, for clean-up
        self.result: dict = {"sections": {}}
        self.deadline = time.monotonic() + (300 if self.quick else 900)

    # -- quiet: the state every sequential sample starts from ------------------------

    def wait_quiet(self, timeout: float = 90) -> dict:
        """No run in progress, the pool full, nothing starting, no used container left."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            status, body = self.service.health()
            pool = body.get("pool", {})
            if (status == 200 and pool.get("in_use") == 0 and pool.get("starting") == 0
                    and pool.get("waiting") == 0 and pool.get("ready", 0) >= self.pool_size
                    and len(containers(self.owner)) == pool.get("ready")):
                return pool
            time.sleep(0.1)
        raise RuntimeError(f"the service was not quiet within {timeout} s: {body}")

    def in_time(self) -> bool:
        return time.monotonic() < self.deadline

    def docker_run(self, name: str, args: list[str], stdin: bytes | None = None,
                   timeout: float = 120) -> tuple[subprocess.CompletedProcess, float]:
        self.names.append(name)
        cmd = ["docker", "run", "--rm", "--name", name, "--label", f"{BENCH_LABEL}=1"]
        if stdin is not None:
            cmd.append("-i")
        start = time.monotonic()
        try:
            proc = subprocess.run([*cmd, *args], input=stdin, capture_output=True,
                                  timeout=timeout)
        finally:
            elapsed = time.monotonic() - start
        return proc, elapsed

    # -- 1. trivial code --------------------------------------------------------------

    def trivial(self) -> dict:
        n_warm, n_cold = (10, 5) if self.quick else (30, 12)
        url = self.service.url
        log(f"1. trivial: warm-up, then {n_warm} warm and {n_cold} cold samples (interleaved)")
        self.wait_quiet()
        post(url, {"code": TRIVIAL})
        self.docker_run(f"lgbench-cold1-{os.getpid()}-w", [self.image, "python", "-c", "print(1)"])
        warm, server, cold, problems = [], [], [], []
        for i in range(n_warm):
            if not self.in_time():
                break
            self.wait_quiet()
            status, body, elapsed, _ = post(url, {"code": TRIVIAL})
            if status == 200 and body.get("ok") and body["cells"][0]["stdout"] == "1\n":
                warm.append(elapsed)
                server.append(body["duration_ms"] / 1000)
            else:
                problems.append(f"warm {status}: {str(body)[:200]}")
            if i < n_cold:
                self.wait_quiet()
                proc, elapsed = self.docker_run(f"lgbench-cold1-{os.getpid()}-{i}",
                                                [self.image, "python", "-c", "print(1)"])
                if proc.returncode == 0 and proc.stdout == b"1\n":
                    cold.append(elapsed)
                else:
                    problems.append(f"cold rc={proc.returncode}: {proc.stderr[-200:]!r}")
        return {
            "warm_http": summary(warm),
            "warm_server_duration": summary(server),
            "cold_docker_run": summary(cold),
            "cold_command": f'docker run --rm {self.image} python -c "print(1)"',
            "problems": problems,
        }

    # -- 2. the realistic example ---------------------------------------------------

    def realistic(self) -> dict:
        out = {}
        out["a_service"] = self.realistic_service()
        out["b_cold_harness"] = self.realistic_cold()
        out["c_warm_compute"] = self.realistic_warm()
        return out

    def realistic_service(self) -> dict:
        n = 5 if self.quick else 15
        url = self.service.url
        log(f"2a. realistic example through the service: warm-up + {n} samples")
        self.wait_quiet()
        post(url, {"cells": REALISTIC})
        rtt, server, sizes, pngs, problems = [], [], [], [], []
        for _ in range(n):
            if not self.in_time():
                break
            self.wait_quiet()
            status, body, elapsed, size = post(url, {"cells": REALISTIC})
            images = [img for c in body.get("cells", []) for img in c.get("images", [])]
            if (status == 200 and body.get("ok") and len(images) == 1
                    and base64.b64decode(images[0]["data"][:12]).startswith(b"\x89PNG")):
                rtt.append(elapsed)
                server.append(body["duration_ms"] / 1000)
                sizes.append(size)
                pngs.append(len(images[0]["data"]))
            else:
                problems.append(f"{status}: {str(body)[:300]}")
        # Diagnostic: the same cells between two timing cells, so the sandbox itself says
        # how long the example took inside it (cell 1 start to last cell start, figure
        # saving included); the rest of the round trip is service and transport.
        inside, inside_rtt = [], []
        timed = ["import time as _lgt\n_lgt0 = _lgt.perf_counter()\n", *REALISTIC,
                 "print(_lgt.perf_counter() - _lgt0)\n"]
        for _ in range(3 if self.quick else 8):
            if not self.in_time():
                break
            self.wait_quiet()
            status, body, elapsed, _ = post(url, {"cells": timed})
            if status == 200 and body.get("ok"):
                inside.append(float(body["cells"][-1]["stdout"]))
                inside_rtt.append(elapsed)
            else:
                problems.append(f"timed {status}: {str(body)[:300]}")
        return {"http": summary(rtt), "server_duration": summary(server),
                "inside_sandbox": summary(inside), "inside_sandbox_http": summary(inside_rtt),
                "response_bytes": pct(sizes, 50), "png_base64_bytes": pct(pngs, 50),
                "problems": problems}

    def realistic_cold(self) -> dict:
        n = 3 if self.quick else 6
        log(f"2b. realistic example cold in docker run + harness: warm-up + {n} samples")
        stdin = (json.dumps({"cells": REALISTIC}) + "\n").encode()
        args = [*COLD_FLAGS, self.image, *HARNESS]
        times, problems = [], []
        for i in range(n + 1):
            if not self.in_time():
                break
            self.wait_quiet()
            proc, elapsed = self.docker_run(f"lgbench-cold2-{os.getpid()}-{i}", args, stdin)
            events = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
            kinds = [e.get("type") for e in events]
            if proc.returncode == 0 and kinds.count("image") == 1 and kinds[-1] == "done" \
                    and "error" not in kinds:
                if i:  # the first one is the warm-up
                    times.append(elapsed)
            else:
                problems.append(f"rc={proc.returncode} {kinds} {proc.stderr[-300:]!r}")
        return {"wall": summary(times),
                "command": f"echo '{{\"cells\": [...]}}' | docker run --rm -i "
                           f"{' '.join(COLD_FLAGS)} {self.image} {' '.join(HARNESS)}",
                "note": "LIVEGALLERY_PRELOAD unset: the harness imports only what the "
                        "example imports",
                "problems": problems}

    def warm_flags(self) -> list[str]:
        s = self.settings
        mem = f"{s.memory_mb}m"
        return ["--network", "none", "--read-only",
                "--tmpfs", f"/tmp:rw,nosuid,nodev,noexec,size={s.tmp_mb}m,mode=1777",
                "--user", "10001:10001", "--cap-drop", "ALL",
                "--security-opt", "no-new-privileges:true", "--ipc", "none",
                "--cpus", str(s.cpus), "--memory", mem, "--memory-swap", mem,
                "--pids-limit", str(s.pids), "-w", "/tmp",
                "-e", f"LIVEGALLERY_PRELOAD={s.preload}", "-e", "HOME=/tmp",
                "-e", "TMPDIR=/tmp"]

    def warm_container(self, tag: str, runs: int) -> list[dict]:
        """Start one preloaded interpreter in a container; time ``runs`` runs in it."""
        name = f"lgbench-warm-{os.getpid()}-{tag}"
        self.names.append(name)
        cmd = ["docker", "run", "--rm", "-i", "--name", name, "--label", f"{BENCH_LABEL}=1",
               *self.warm_flags(), self.image, "python3", "-c", DRIVER]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        records = []
        # A watchdog: a driver that hangs is removed, which ends its output (EOF).
        watchdog = threading.Timer(180, docker_rm, args=([name],))
        watchdog.start()
        try:
            ready = json.loads(proc.stdout.readline() or b"null")
            if not ready or ready.get("type") != "ready":
                raise RuntimeError(f"warm driver failed: {proc.stderr.read()[-500:]!r}")
            proc.stdin.write((json.dumps({"cells": REALISTIC}) + "\n").encode())
            proc.stdin.flush()
            end = time.monotonic() + 120
            for _ in range(runs):
                if time.monotonic() > end:
                    break
                proc.stdin.write(b"run\n")
                proc.stdin.flush()
                line = proc.stdout.readline()
                if not line:
                    raise RuntimeError(f"warm driver died: {proc.stderr.read()[-500:]!r}")
                records.append(json.loads(line))
            proc.stdin.close()
            proc.wait(30)
        finally:
            watchdog.cancel()
            if proc.poll() is None:
                docker_rm([name])
                proc.kill()
                proc.wait(10)
        return records

    def realistic_warm(self) -> dict:
        n, fresh = (10, 2) if self.quick else (25, 4)
        log(f"2c. realistic example in a warm interpreter: {fresh} fresh interpreters, "
            f"{n} steady runs")
        self.wait_quiet()
        firsts, steady = [], []
        for k in range(fresh):
            records = self.warm_container(str(k), 1 + (n if k == 0 else 0))
            firsts.append(records[0])
            steady += records[1:]

        def part(recs, key, cell=None):
            vals = [sum(r[key]) if cell is None else r[key][cell] for r in recs]
            return summary(vals)
        return {
            "steady": summary([r["total_s"] for r in steady]),
            "steady_parts": {"exec_cell1": part(steady, "exec_s", 0),
                             "exec_cell2": part(steady, "exec_s", 1),
                             "figures_as_png": part(steady, "png_s"),
                             "json_event": part(steady, "json_s")},
            "first_run": summary([r["total_s"] for r in firsts]),
            "first_run_parts": {"exec_cell1": part(firsts, "exec_s", 0),
                                "exec_cell2": part(firsts, "exec_s", 1),
                                "figures_as_png": part(firsts, "png_s"),
                                "json_event": part(firsts, "json_s")},
            "png_base64_bytes": steady[0]["png_b64_bytes"] if steady else None,
            "command": "docker run --rm -i " + " ".join(self.warm_flags()) +
                       f" {self.image} python3 -c DRIVER",
            "note": "steady: runs 2..N in one interpreter (the first is the warm-up); "
                    "first_run: the first run in a freshly preloaded interpreter, as each "
                    "pooled sandbox does it",
        }

    # -- 3. load ----------------------------------------------------------------------

    def load(self) -> dict:
        levels = (1, 4, 16)
        duration = 8.0 if self.quick else 20.0
        out = {"duration_s": duration, "levels": {},
               "client": "aiohttp, one session; after a 429 a client sleeps "
                         "min(Retry-After, 2 s) before trying again"}
        self.wait_quiet()
        status, _, _, _ = post(self.service.url, {"cells": SMALL})  # warm-up
        for clients in levels:
            self.wait_quiet()
            log(f"3. load: {clients} client(s) for {duration:g} s")
            level = asyncio.run(self.load_level(clients, duration))
            settled = time.monotonic()
            try:
                self.service.wait_idle(timeout=90)
                pool = self.wait_quiet(timeout=90)
                left = containers(self.owner)
                level["settle_s"] = time.monotonic() - settled
                level["containers_left"] = len(left)
                level["pool_ready"] = pool["ready"]
            except (AssertionError, RuntimeError) as exc:
                status, body = self.service.health()
                level["settle_error"] = str(exc)
                level["containers_left"] = len(containers(self.owner))
                level["pool_ready"] = body.get("pool", {}).get("ready")
            out["levels"][str(clients)] = level
        return out

    async def load_level(self, clients: int, duration: float) -> dict:
        url = self.service.url + "/api/v1/run"
        body = {"cells": SMALL}
        lat, n429, errors, statuses = [], 0, [], {}
        max_per_client = 2000
        timeout = aiohttp.ClientTimeout(total=90)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            start = time.monotonic()
            end = start + duration

            async def client():
                nonlocal n429
                for _ in range(max_per_client):
                    if time.monotonic() >= end:
                        return
                    t = time.monotonic()
                    try:
                        async with session.post(url, json=body) as resp:
                            raw = await resp.read()
                            status, retry = resp.status, resp.headers.get("Retry-After")
                    except Exception as exc:  # noqa: BLE001 - every failure counts
                        errors.append(f"exception {exc!r}")
                        await asyncio.sleep(0.1)
                        continue
                    dt = time.monotonic() - t
                    statuses[status] = statuses.get(status, 0) + 1
                    if status == 200:
                        try:
                            result = json.loads(raw)
                        except ValueError:
                            errors.append(f"200 with bad JSON {raw[:200]!r}")
                            continue
                        if result.get("ok") and result["cells"][0]["stdout"]:
                            lat.append(dt)
                        else:
                            errors.append(f"200 not ok: {str(result)[:300]}")
                    elif status == 429:
                        n429 += 1
                        pause = min(float(retry or 1), 2.0, max(0.0, end - time.monotonic()))
                        await asyncio.sleep(pause)
                    else:
                        errors.append(f"HTTP {status}: {raw[:300]!r}")

            await asyncio.gather(*(client() for _ in range(clients)))
            wall = time.monotonic() - start
        return {"clients": clients, "wall_s": wall, "ok": len(lat),
                "throughput_per_s": len(lat) / wall, "latency": summary(lat),
                "n429": n429, "errors": len(errors), "error_samples": errors[:10],
                "statuses": {str(k): v for k, v in sorted(statuses.items())}}

    # -- 4. memory --------------------------------------------------------------------

    def memory(self, when: str) -> dict:
        pool = self.wait_quiet()
        ids = containers(self.owner)
        pid = self.service.proc.pid
        status = Path(f"/proc/{pid}/status").read_text()
        vm = {line.split(":")[0]: int(line.split()[1]) * 1024
              for line in status.splitlines() if line.startswith(("VmRSS", "VmHWM"))}
        per = []
        for cid in ids:
            per.append({"id": cid[:12], **cgroup_memory(cid)})
        stats = subprocess.run(
            ["docker", "stats", "--no-stream", "--format", "{{.ID}} {{.MemUsage}}", *ids],
            capture_output=True, text=True, timeout=60).stdout.split("\n")
        known = [c.get("usage_bytes") for c in per if c.get("usage_bytes") is not None]
        working = [c.get("working_set_bytes") for c in per
                   if c.get("working_set_bytes") is not None]
        return {"when": when, "pool_ready": pool["ready"], "containers": len(ids),
                "service_rss_bytes": vm.get("VmRSS"), "service_peak_rss_bytes": vm.get("VmHWM"),
                "per_container": per, "docker_stats": [s for s in stats if s.strip()],
                "total_usage_bytes": sum(known) if known else None,
                "total_working_set_bytes": sum(working) if working else None}

    # -- the whole run ----------------------------------------------------------------

    def run(self) -> dict:
        r = self.result
        r["started"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        r["mode"] = "quick" if self.quick else "full"
        r["environment"] = environment(self.image)
        r["settings"] = {k: getattr(self.settings, k) for k in (
            "pool_size", "max_concurrent", "queue_size", "queue_timeout",
            "refill_concurrency", "cpus", "memory_mb", "timeout")}
        r["overrides"] = {"image": self.image} if self.image != from_env().image else {}
        r["loadavg_start"] = loadavg()
        t0 = time.monotonic()
        log(f"starting the service (image {self.image})")
        self.service = Service(image=self.image)
        self.service.start(wait_ready=False)
        self.service.wait_pool_ready(timeout=120)
        r["service_ready_s"] = time.monotonic() - t0
        self.owner = self.service.owner
        self.pool_size = self.service.health()[1]["pool"]["size"]
        sections = r["sections"]
        log("4. memory (idle, full pool, before any run)")
        sections["memory_before"] = self.memory("idle with a full pool, before any run")
        sections["trivial"] = self.trivial()
        sections["realistic"] = self.realistic()
        sections["load"] = self.load()
        log("4. memory (idle, full pool, after the load)")
        sections["memory_after"] = self.memory("idle with a full pool, after the load")
        r["loadavg_end"] = loadavg()
        r["elapsed_s"] = time.monotonic() - t0
        return r

    def cleanup(self) -> None:
        if self.service is not None:
            code = self.service.stop()
            self.result["service_exit_code"] = code
            left = containers(self.owner) if self.owner else []
            self.result["containers_after_stop"] = len(left)
        mine = subprocess.run(["docker", "ps", "-a", "--format", "{{.Names}}", "--filter",
                               f"label={BENCH_LABEL}"], capture_output=True, text=True)
        docker_rm([n for n in mine.stdout.split() if n in self.names])


def cgroup_memory(cid: str) -> dict:
    """Memory of one container from its cgroup (v1, else v2); as docker stats counts it,
    the working set is the usage minus the inactive file cache."""
    v1 = Path(f"/sys/fs/cgroup/memory/docker/{cid}")
    v2 = Path(f"/sys/fs/cgroup/system.slice/docker-{cid}.scope")
    try:
        if v1.is_dir():
            usage = int((v1 / "memory.usage_in_bytes").read_text())
            stat = dict(line.split() for line in (v1 / "memory.stat").read_text().splitlines())
            inactive = int(stat.get("total_inactive_file", 0))
            return {"source": "cgroup v1", "usage_bytes": usage,
                    "rss_bytes": int(stat.get("total_rss", 0)),
                    "cache_bytes": int(stat.get("total_cache", 0)),
                    "working_set_bytes": usage - inactive}
        if v2.is_dir():
            usage = int((v2 / "memory.current").read_text())
            stat = dict(line.split() for line in (v2 / "memory.stat").read_text().splitlines())
            inactive = int(stat.get("inactive_file", 0))
            return {"source": "cgroup v2", "usage_bytes": usage,
                    "rss_bytes": int(stat.get("anon", 0)),
                    "cache_bytes": int(stat.get("file", 0)),
                    "working_set_bytes": usage - inactive}
    except OSError as exc:
        return {"source": f"unreadable: {exc}"}
    return {"source": "no cgroup found"}


def environment(image: str) -> dict:
    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    return {
        "host": platform.node(), "kernel": platform.release(), "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "docker": out(["docker", "version", "--format", "{{.Server.Version}}"]),
        "image_id": out(["docker", "image", "inspect", "--format", "{{.Id}}", image]),
        "git_commit": out(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "git_dirty": bool(out(["git", "-C", str(ROOT), "status", "--porcelain",
                               "--", "backend", "images"])),
    }


# -- report -----------------------------------------------------------------------------

def targets(r: dict) -> list[dict]:
    s = r["sections"]
    rows = []

    def ratio(name, num, den, limit, detail):
        value = num / den if num is not None and den else None
        rows.append({"target": name, "measured": value, "limit": limit, "detail": detail,
                     "pass": value is not None and value <= limit})

    t = s.get("trivial", {})
    warm, cold = t.get("warm_http", {}).get("p50_ms"), t.get("cold_docker_run", {}).get("p50_ms")
    ratio("print(1): warm p50 <= 0.1 x docker run p50", warm, cold, 0.1,
          f"{fmt(warm)} ms / {fmt(cold)} ms")
    rl = s.get("realistic", {})
    a = rl.get("a_service", {}).get("http", {}).get("p50_ms")
    b = rl.get("b_cold_harness", {}).get("wall", {}).get("p50_ms")
    c = rl.get("c_warm_compute", {}).get("steady", {}).get("p50_ms")
    ratio("example: (a) service <= 0.3 x (b) cold harness", a, b, 0.3,
          f"{fmt(a)} ms / {fmt(b)} ms")
    ratio("example: (a) service <= 1.5 x (c) warm compute", a, c, 1.5,
          f"{fmt(a)} ms / {fmt(c)} ms")
    for clients, level in s.get("load", {}).get("levels", {}).items():
        rows.append({"target": f"load {clients:>2} clients: 0 errors besides 429",
                     "measured": level["errors"], "limit": 0, "detail": "",
                     "pass": level["errors"] == 0})
        ok = (level.get("containers_left") == level.get("pool_ready")
              and "settle_error" not in level)
        rows.append({"target": f"load {clients:>2} clients: containers left == pool ready",
                     "measured": level.get("containers_left"), "limit": level.get("pool_ready"),
                     "detail": f"{level.get('containers_left')} left, "
                               f"{level.get('pool_ready')} ready", "pass": ok})
    return rows


def report(r: dict) -> str:
    s = r["sections"]
    lines = []
    add = lines.append
    env = r["environment"]
    add(f"livegallery benchmark ({r['mode']}) {r['started']}  commit {env['git_commit']}"
        f"{' (backend/images modified)' if env['git_dirty'] else ''}")
    add(f"host {env['host']}: {env['cpus']} CPUs, kernel {env['kernel']}, docker "
        f"{env['docker']}, image {r['overrides'].get('image') or 'livegallery-sandbox:latest'}"
        f" {env['image_id'][7:19]}")
    st = r["settings"]
    add(f"service: default settings (pool_size {st['pool_size']}, max_concurrent "
        f"{st['max_concurrent']}, queue_size {st['queue_size']}, refill_concurrency "
        f"{st['refill_concurrency']}, cpus {st['cpus']:g}); overrides: "
        f"{r['overrides'] or 'none'}; ready in {r['service_ready_s']:.1f} s")
    add(f"load average {r['loadavg_start']} at start, {r.get('loadavg_end')} at end")
    add("")
    row = "{:<52} {:>5} {:>9} {:>9}"
    add(row.format("1. print(1)", "n", "p50 ms", "p90 ms"))
    t = s["trivial"]
    for label, key in (("warm: POST /api/v1/run round trip", "warm_http"),
                       ("  of which server duration_ms", "warm_server_duration"),
                       ('cold: docker run --rm IMG python -c "print(1)"', "cold_docker_run")):
        v = t[key]
        add(row.format(label, v["n"], fmt(v["p50_ms"]), fmt(v["p90_ms"])))
    add("")
    add(row.format("2. realistic example (camera, sobel+gaussian, 1x2 fig)", "n", "p50 ms",
                   "p90 ms"))
    rl = s["realistic"]
    rows = [("(a) service: POST round trip, PNG included", rl["a_service"]["http"]),
            ("    of which server duration_ms", rl["a_service"]["server_duration"]),
            ("    timed inside the sandbox (separate samples)",
             rl["a_service"]["inside_sandbox"]),
            ("    their round trip", rl["a_service"]["inside_sandbox_http"]),
            ("(b) cold: docker run -i + harness", rl["b_cold_harness"]["wall"]),
            ("(c) warm interpreter: exec + figures_as_png", rl["c_warm_compute"]["steady"]),
            ("    exec cell 1 (compute)", rl["c_warm_compute"]["steady_parts"]["exec_cell1"]),
            ("    exec cell 2 (figure)", rl["c_warm_compute"]["steady_parts"]["exec_cell2"]),
            ("    figures_as_png (draw+PNG+base64)",
             rl["c_warm_compute"]["steady_parts"]["figures_as_png"]),
            ("(c') first run in a freshly preloaded interpreter",
             rl["c_warm_compute"]["first_run"]),
            ("    exec cell 1 (compute)", rl["c_warm_compute"]["first_run_parts"]["exec_cell1"]),
            ("    exec cell 2 (figure)", rl["c_warm_compute"]["first_run_parts"]["exec_cell2"]),
            ("    figures_as_png (draw+PNG+base64)",
             rl["c_warm_compute"]["first_run_parts"]["figures_as_png"])]
    for label, v in rows:
        add(row.format(label, v["n"], fmt(v["p50_ms"]), fmt(v["p90_ms"])))
    a = rl["a_service"]
    add(f"    response {a['response_bytes'] or 0:,.0f} B, PNG {a['png_base64_bytes'] or 0:,.0f} B "
        "base64")
    add("")
    ld = s["load"]
    add(f"3. load: small numpy run, {ld['duration_s']:g} s per level, 127.0.0.1; {ld['client']}")
    lrow = "{:>7} {:>6} {:>8} {:>9} {:>9} {:>5} {:>6} {:>6} {:>6}"
    add(lrow.format("clients", "ok", "runs/s", "p50 ms", "p90 ms", "429", "errors", "left",
                    "ready"))
    for level in ld["levels"].values():
        add(lrow.format(level["clients"], level["ok"], f"{level['throughput_per_s']:.2f}",
                        fmt(level["latency"]["p50_ms"]), fmt(level["latency"]["p90_ms"]),
                        level["n429"], level["errors"], level.get("containers_left"),
                        level.get("pool_ready")))
    for level in ld["levels"].values():
        for e in level["error_samples"][:3]:
            add(f"  error ({level['clients']} clients): {e}")
        if "settle_error" in level:
            add(f"  did not settle ({level['clients']} clients): {level['settle_error']}")
    add("")
    add("4. memory (idle, full pool)            service RSS   per container (working set / "
        "cgroup usage)      total")
    for key in ("memory_before", "memory_after"):
        m = s[key]
        per = ", ".join(f"{c.get('working_set_bytes', 0) / 2**20:.0f}/"
                        f"{c.get('usage_bytes', 0) / 2**20:.0f}" for c in m["per_container"])
        total_ws = (m["total_working_set_bytes"] or 0) / 2**20
        total_u = (m["total_usage_bytes"] or 0) / 2**20
        add(f"  {'before load' if key == 'memory_before' else 'after load':<36}"
            f"{(m['service_rss_bytes'] or 0) / 2**20:>7.1f} MiB   "
            f"{m['containers']} x [{per}] MiB   {total_ws:.0f}/{total_u:.0f} MiB")
    add(f"  docker stats: {'; '.join(s['memory_after']['docker_stats'])}")
    add("")
    add("targets")
    for tr in r["targets"]:
        measured = tr["measured"]
        shown = f"{measured:.3f}" if isinstance(measured, float) else str(measured)
        add(f"  {'PASS' if tr['pass'] else 'FAIL'}  {tr['target']:<52} {shown:>7}"
            f"  {tr['detail']}")
    problems = [p for sec in (s["trivial"], rl["a_service"], rl["b_cold_harness"])
                for p in sec.get("problems", [])]
    for p in problems[:5]:
        add(f"  problem: {p}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--image", default=from_env().image)
    parser.add_argument("--quick", action="store_true", help="fewer samples, 8 s load levels")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "latest.json"))
    args = parser.parse_args()

    def terminate(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, terminate)

    bench = Bench(args)
    try:
        result = bench.run()
    except BaseException:
        bench.cleanup()
        raise
    bench.cleanup()
    result["targets"] = targets(result)
    text = report(result)
    result["report"] = text
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(text)
    print(f"\nfull results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
