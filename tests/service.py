"""Run the real service in a subprocess and talk to it over HTTP, as clients do."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def docker_available() -> bool:
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def containers(owner: str | None = None, extra: tuple[str, ...] = ()) -> list[str]:
    """Ids of livegallery containers (of one service, when ``owner`` is given)."""
    cmd = ["docker", "ps", "-aq", "--no-trunc", "--filter", "label=livegallery"]
    if owner:
        cmd += ["--filter", f"label=livegallery.owner={owner}"]
    out = subprocess.run([*cmd, *extra], capture_output=True, text=True, check=True)
    return out.stdout.split()


class Service:
    def __init__(self, env: dict[str, str] | None = None, **settings):
        self.env = env or {}  # more of the process's environment (settings: LIVEGALLERY_*)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.settings = settings
        self.proc: subprocess.Popen | None = None
        self.log_path = ROOT / "tests" / "artifacts" / f"service-{self.port}.log"

    # -- life cycle -----------------------------------------------------------------

    def __enter__(self) -> Service:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, wait_ready: bool = True) -> None:
        env = {**os.environ, **self.env, "LIVEGALLERY_PORT": str(self.port)}
        env.update({f"LIVEGALLERY_{k.upper()}": str(v) for k, v in self.settings.items()})
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed by stop()
        self.proc = subprocess.Popen([sys.executable, "-m", "livegallery.backend"],
                                     env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self.wait_until(self._listening, 20, "the service to listen")
        if wait_ready:
            self.wait_pool_ready()

    def stop(self) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(30)
        finally:
            self._log.close()

    def wait_pool_ready(self, timeout: float = 60) -> dict:
        def ready():  # the pool's size as the service has it (its default, or the setting)
            status, body = self.health()
            return status == 200 and body["pool"]["ready"] >= body["pool"]["size"] and body
        return self.wait_until(ready, timeout, "a full pool of ready sandboxes")

    def wait_idle(self, timeout: float = 20) -> None:
        """Until no run is in progress and this service's used containers are gone (but
        those that reader sessions keep)."""
        def idle():
            status, body = self.health()
            pool = body.get("pool", {})
            size = pool.get("size", 0)
            left = containers(pool.get("owner"))
            expected = (pool.get("ready", 0) + pool.get("starting", 0)
                        + body.get("sessions", {}).get("live", 0))
            return (pool.get("in_use") == 0 and len(left) <= expected
                    and pool.get("ready", 0) >= size)
        self.wait_until(idle, timeout, "the service to be idle with no used container left")

    def unaccounted(self) -> list[str]:
        """This service's containers beyond its ready pool and its live reader sessions:
        what a run left behind (empty when nothing was)."""
        _, body = self.health()
        pool = body.get("pool", {})
        left = containers(pool.get("owner"))
        kept = (pool.get("ready", 0) + pool.get("starting", 0)
                + body.get("sessions", {}).get("live", 0))
        return left[kept:] if len(left) > kept else []

    @staticmethod
    def wait_until(predicate, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out after {timeout} s waiting for {what}")

    def _listening(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"the service exited: {self.log_path.read_text()}")
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    # -- HTTP -----------------------------------------------------------------------

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None, timeout: float = 60):
        req = urllib.request.Request(self.url + path, data=body, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()

    def health(self) -> tuple[int, dict]:
        try:
            status, _, raw = self.request("GET", "/api/v1/health", timeout=10)
        except OSError:
            return 0, {}
        return status, json.loads(raw)

    def run(self, cells=None, *, code=None, raw: bytes | None = None,
            headers: dict | None = None, session: str | None = None,
            query: str = "") -> tuple[int, dict]:
        if raw is None:
            payload = {"code": code} if code is not None else {"cells": cells}
            if session is not None:
                payload["session"] = session
            raw = json.dumps(payload).encode()
        status, _, body = self.request("POST", "/api/v1/run" + query, raw,
                                       {"Content-Type": "application/json", **(headers or {})})
        return status, json.loads(body)

    @property
    def owner(self) -> str:
        return self.health()[1]["pool"]["owner"]
