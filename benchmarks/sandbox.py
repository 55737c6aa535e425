"""Run the sandbox harness directly, without the service: create a container from
``hardening.container_config`` (the very settings production uses), attach, start, and
time the harness's own protocol (``ready``, request, events, ``done``).

A harness that says ``"reusable": true`` in its ``ready`` serves many runs itself, each
closed by a ``!{"type": "ended", ...}`` control line; a single-use one serves one, and
``repeat=True`` then runs its ``main()`` again and again in one interpreter (a fresh
namespace each time, as each run gets). Either way, runs after the first show the steady
cost of the code itself, once every lazy import and cache is warm.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import aiodocker

from livegallery.backend.config import Settings
from livegallery.backend.hardening import HARNESS, container_config

#: The repeat driver: the harness module from the image, its ``main`` in a loop (each
#: ``main`` reads one request; EOF on stdin ends it). Only ``Cmd`` differs from production.
REPEAT = (
    "import sys\n"
    f"sys.path.insert(0, {HARNESS[1].rsplit('/', 1)[0]!r})\n"
    "import harness\n"
    "stdin = sys.stdin\n"
    "while True:\n"
    "    sys.stdin = stdin  # main() hides stdin from the reader's code\n"
    "    harness.main()\n"
)


def bench_config(settings: Settings, image: str, owner: str, repeat: bool = False) -> dict:
    """``container_config`` unchanged, but for ``Cmd`` when ``repeat``."""
    config = container_config(settings, image, owner)
    if repeat:
        config["Cmd"] = [HARNESS[0], "-c", REPEAT]
    return config


class HarnessContainer:
    """One container running the harness, driven through attach like the executor does."""

    def __init__(self, docker: aiodocker.Docker, config: dict, name: str):
        self.docker, self.config, self.name = docker, config, name
        self.container = None
        self.stream = None
        self._buffer = b""
        self.stderr = b""
        self.reusable = False

    async def start(self) -> None:
        self.container = await self.docker.containers.create(self.config, name=self.name)
        self.stream = self.container.attach(stdin=True, stdout=True, stderr=True)
        await self.stream.__aenter__()  # before start: no early output lost
        await self.container.start()

    async def event(self, timeout: float = 60) -> dict:
        """The next JSON event on the harness's stdout."""
        async with asyncio.timeout(timeout):
            while b"\n" not in self._buffer:
                message = await self.stream.read_out()
                if message is None:
                    raise RuntimeError(f"the harness ended: {await self._why()}")
                if message.stream == 2:
                    self.stderr = (self.stderr + message.data)[-2000:]
                else:
                    self._buffer += message.data
        line, self._buffer = self._buffer.split(b"\n", 1)
        if line.startswith(b"!"):  # a control line of a reusable harness's PID 1
            return {**json.loads(line[1:]), "control": True}
        return json.loads(line)

    async def _why(self) -> str:
        """Why the container stopped, as the engine tells it (as the executor does)."""
        try:
            state = (await self.container.show()).get("State", {})
        except aiodocker.DockerError as exc:
            state = {"inspect": str(exc)}
        keys = ("Status", "ExitCode", "OOMKilled", "Error", "inspect")
        return f"{ {k: state[k] for k in keys if k in state} } {self.stderr[-500:]!r}"

    async def wait_ready(self, timeout: float = 60) -> None:
        event = await self.event(timeout)
        if event.get("type") != "ready":
            raise RuntimeError(f"not ready: {event} {self.stderr[-500:]!r}")
        self.reusable = bool(event.get("reusable"))

    async def run(self, cells: list[str], timeout: float = 60) -> dict:
        """Send one request; the seconds until ``done`` and per cell, and what came back."""
        await self.stream.write_in((json.dumps({"cells": cells}) + "\n").encode())
        start = mark = time.monotonic()
        out = {"cells_s": [], "kinds": [], "images": 0, "stdout": ""}
        while True:
            event = await self.event(timeout)
            now = time.monotonic()
            kind = event.get("type")
            out["kinds"].append(kind)
            out["images"] += kind == "image"
            if kind == "stdout":
                out["stdout"] += event.get("data", "")
            if kind in ("cell_done", "error"):
                out["cells_s"].append(now - mark)
                mark = now
            if kind == "done" or event.get("control"):
                out["total_s"] = now - start
                break
        while self.reusable and not event.get("control"):  # until PID 1 closed the run
            event = await self.event(timeout)
        return out

    async def remove(self) -> None:
        if self.stream is not None:
            with contextlib.suppress(Exception):
                await self.stream.close()
        if self.container is not None:
            with contextlib.suppress(aiodocker.DockerError):
                await self.container.delete(force=True)


async def run_once(settings: Settings, image: str, owner: str, name: str,
                   cells: list[str], runs: int = 1, repeat: bool = False) -> dict:
    """Start a harness container, time ``runs`` runs of ``cells`` once it is ready."""
    async with aiodocker.Docker() as docker:
        box = HarnessContainer(docker, bench_config(settings, image, owner, repeat), name)
        t0 = time.monotonic()
        try:
            await box.start()
            await box.wait_ready()
            ready_s = time.monotonic() - t0
            results = []
            for i in range(runs):
                if i and not box.reusable:
                    await box.wait_ready()
                results.append(await box.run(cells))
            first_result_s = ready_s + results[0]["total_s"]
        finally:
            t1 = time.monotonic()
            await box.remove()
            remove_s = time.monotonic() - t1
    return {"ready_s": ready_s, "to_first_result_s": first_result_s, "remove_s": remove_s,
            "reusable": box.reusable, "runs": results}
