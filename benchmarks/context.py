"""What every benchmark is given: the running service, its settings and small helpers.

The service is the real one (``tests.service.Service``: ``python -m livegallery.backend``
on a free port of 127.0.0.1) with default settings; only the image is passed through.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from livegallery.backend.config import Settings, from_env
from tests.service import Service, containers

ROOT = Path(__file__).resolve().parents[1]
#: On the containers the benchmark starts by itself (not the service's pool), so
#: clean-up finds exactly them.
BENCH_LABEL = "livegallery-bench"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def loadavg() -> list[float]:
    with open("/proc/loadavg") as fh:
        return [float(x) for x in fh.read().split()[:3]]


def post(url: str, payload: dict, timeout: float = 120) -> tuple[int, dict, float, int]:
    """POST JSON to the run endpoint; (status, body, seconds, response bytes)."""
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


class Context:
    def __init__(self, image: str, quick: bool):
        self.image = image
        self.quick = quick
        self.settings: Settings = from_env(image=image)  # what the service runs with
        self.service: Service | None = None
        self.owner = ""
        self.pool_size = self.settings.pool_size
        self.names: list[str] = []  # containers started by the benchmark itself
        self.deadline = time.monotonic() + (300 if quick else 900)

    def start_service(self) -> float:
        """Start the service, wait for a full pool; the seconds that took."""
        t0 = time.monotonic()
        self.service = Service(image=self.image)
        self.service.start(wait_ready=False)
        self.service.wait_pool_ready(timeout=120)
        self.owner = self.service.owner
        self.pool_size = self.service.health()[1]["pool"]["size"]
        return time.monotonic() - t0

    @property
    def url(self) -> str:
        return self.service.url

    def in_time(self) -> bool:
        return time.monotonic() < self.deadline

    def wait_quiet(self, timeout: float = 90) -> dict:
        """No run in progress, the pool full, nothing starting, no used container left
        (idle reader sessions keep theirs: they cost memory, not CPU)."""
        end = time.monotonic() + timeout
        body: dict = {}
        while time.monotonic() < end:
            status, body = self.service.health()
            pool = body.get("pool", {})
            if (status == 200 and pool.get("in_use") == 0 and pool.get("starting") == 0
                    and pool.get("waiting") == 0 and pool.get("ready", 0) >= self.pool_size
                    and len(containers(self.owner))
                    == pool.get("ready") + body.get("sessions", {}).get("live", 0)):
                return pool
            time.sleep(0.1)
        raise RuntimeError(f"the service was not quiet within {timeout} s: {body}")

    def name(self, tag: str) -> str:
        """A container name for the benchmark's own containers, remembered for clean-up."""
        name = f"lgbench-{tag}-{os.getpid()}-{len(self.names)}"
        self.names.append(name)
        return name

    def docker_run(self, tag: str, args: list[str],
                   timeout: float = 120) -> tuple[subprocess.CompletedProcess, float]:
        """``docker run --rm`` by the CLI; (the process, its wall time)."""
        cmd = ["docker", "run", "--rm", "--name", self.name(tag), "--label", f"{BENCH_LABEL}=1"]
        start = time.monotonic()
        try:
            proc = subprocess.run([*cmd, *args], capture_output=True, timeout=timeout)
        finally:
            elapsed = time.monotonic() - start
        return proc, elapsed

    def cleanup(self, result: dict) -> None:
        if self.service is not None:
            result["service_exit_code"] = self.service.stop()
            result["containers_after_stop"] = len(containers(self.owner)) if self.owner else 0
        docker_rm(self.names)


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
