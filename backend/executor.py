"""One sandbox: a container running the harness, driven through attach.

The container is created, attached (before start, so no early output is lost) and
started; the harness imports the heavy modules and says ``ready``. A run writes the
cells to its stdin and reads events back until ``done``, a limit, a stop, or the run's
end. The harness runs each request in a fresh forked child and cleans up after it (see
images/sandbox/forkserver.py), so one reader's sandbox can serve that reader's next run:
``settle`` waits for the harness's ``ended`` line and says whether it may. Timeout and
Stop kill the run (a ``stop`` line), not the container; a memory kill, a dead harness or
a sandbox that does not settle make it unusable, and its owner removes it.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable

import aiodocker
import aiohttp

from . import protocol
from .config import CLAIMED_CPU_SHARES, Settings
from .errors import DockerUnavailable, ImageMissing, SandboxFailed, SandboxUnavailable
from .events import EOF, Control, EventStream, Overflow
from .hardening import container_config
from .metrics import CONTAINER_START
from .results import LimitExceeded, RunResult

log = logging.getLogger(__name__)

#: A healthy harness answers a request within milliseconds; one that does not within this
#: is hung (paused, frozen) and is replaced before any user code ran in it.
ACK_TIMEOUT = 5.0
#: Docker API calls that are not long-running get this long.
CALL_TIMEOUT = 15.0

EventSink = Callable[[dict], Awaitable[None]]

#: After a run, the harness kills its processes and empties /tmp within milliseconds; one
#: that takes longer than this is broken (or flooded with files) and is removed.
SETTLE_TIMEOUT = 10.0

DOCKER_ERRORS = (aiodocker.DockerError, aiohttp.ClientError, OSError, asyncio.TimeoutError)


def docker_failure(exc: BaseException) -> Exception:
    """Map an error from the engine to what a client should see."""
    if isinstance(exc, aiodocker.DockerError) and exc.status == 404:
        return ImageMissing(f"The sandbox image is missing: {exc.message}")
    if isinstance(exc, aiodocker.DockerError) and exc.status < 500:
        # A ServiceError, not SandboxFailed: the pool may keep it as its problem, and
        # requests then get a clear 503 (SandboxFailed would escape as a 500).
        return SandboxUnavailable(f"Docker refused the sandbox: {exc.message}")
    detail = str(exc) or type(exc).__name__  # asyncio.TimeoutError has no message
    return DockerUnavailable(f"The Docker engine is unreachable: {detail}")


class Sandbox:
    """A started container whose harness is ready (or getting ready) for a run."""

    def __init__(self, container, stream, settings: Settings, image_id: str):
        self.container = container
        self.id: str = container.id
        self.stream = stream
        self.settings = settings
        self.image_id = image_id
        self.created = time.monotonic()
        self.alive = True  # False once the container may not serve another run
        self.runs = 0
        self.reusable = False  # the harness serves many runs (its ready event says)
        #: {distribution: version} installed in the sandbox, as its ``ready`` event says
        self.versions: dict[str, str] = {}
        self._settled = True  # the harness said ``ended`` for the last run
        self.cpu_claimed = False  # at CLAIMED_CPU_SHARES (see claim_cpu)
        self.events = EventStream(stream, self._budget(), self.id[:12], self._stream_ended)

    # -- life cycle ---------------------------------------------------------------

    @classmethod
    async def start(cls, docker: aiodocker.Docker, settings: Settings, image_id: str,
                    owner: str) -> Sandbox:
        config = container_config(settings, image_id, owner)
        began = time.perf_counter()
        try:
            async with asyncio.timeout(CALL_TIMEOUT):
                container = await docker.containers.create(config)
        except DOCKER_ERRORS as exc:
            raise docker_failure(exc) from exc
        sandbox = None
        try:
            async with asyncio.timeout(CALL_TIMEOUT):
                stream = container.attach(stdin=True, stdout=True, stderr=True)
                await stream.__aenter__()  # attach before start: no early output lost
                await container.start()
            sandbox = cls(container, stream, settings, image_id)
            await sandbox._wait_ready()
            CONTAINER_START.observe(time.perf_counter() - began)
            return sandbox
        except BaseException as exc:
            with contextlib.suppress(Exception):
                await (sandbox.destroy() if sandbox else remove_container(container))
            if isinstance(exc, DOCKER_ERRORS):
                raise docker_failure(exc) from exc
            raise

    async def _wait_ready(self) -> None:
        """Until the harness says ``ready``; what it prints on stderr meanwhile (a module
        it could not preload, say) is kept for diagnostics only."""
        try:
            async with asyncio.timeout(self.settings.ready_timeout):
                while isinstance(item := await self.events.queue.get(), protocol.Raw):
                    pass
        except TimeoutError:
            raise SandboxFailed("the sandbox was not ready in time") from None
        if not isinstance(item, protocol.Ready):
            raise SandboxFailed(f"the sandbox failed to start: {self.stderr_tail()}")
        self.versions = dict(item.versions)
        # An image built before fork-server harnesses serves one run: never reuse it.
        self.reusable = item.reusable

    async def claim_cpu(self) -> None:
        """Give the container the CPU weight of a reader's sandbox (it started at
        ``spare_cpu_shares``, so its imports yielded to runs). Best effort: if the engine
        says no, the run goes on at the lower weight."""
        if not self.settings.cpu_priority or self.cpu_claimed:
            return
        self.cpu_claimed = True
        try:
            async with asyncio.timeout(CALL_TIMEOUT):
                # aiodocker has no wrapper for POST /containers/{id}/update.
                await self.container.docker._query_json(
                    f"containers/{self.id}/update", method="POST",
                    data={"CpuShares": CLAIMED_CPU_SHARES})
        except DOCKER_ERRORS as exc:
            if self.alive:  # else it was removed meanwhile: nothing to raise
                log.warning("could not raise the CPU weight of %s: %s", self.id[:12],
                            str(exc) or type(exc).__name__)

    async def destroy(self) -> None:
        """Kill and remove the container. Raises if the engine cannot be reached."""
        self.alive = False
        self.events.task.cancel()
        with contextlib.suppress(Exception):
            await self.stream.close()
        await remove_container(self.container)

    def stderr_tail(self) -> str:
        return self.events.stderr_tail()

    def _stream_ended(self) -> None:
        self.alive = False

    # -- reading ------------------------------------------------------------------

    def _budget(self) -> int:
        """The most a run may legitimately send, plus room for the JSON around it."""
        s = self.settings
        outputs = s.max_images * s.max_image_bytes + s.max_html_bytes
        return 2 * (s.max_output_bytes + outputs) + 1_000_000

    # -- running ------------------------------------------------------------------

    async def run(self, cells: list[str], result: RunResult, on_event: EventSink | None,
                  stop: asyncio.Event | None = None, files: dict[str, str] | None = None) -> None:
        """Run ``cells`` and record what happens in ``result``; returns as soon as the
        result is final (call ``settle`` before the next run).

        Raises SandboxFailed if the sandbox turns out broken before taking the run (the
        caller may retry elsewhere: no user code ran).
        """
        if not self._settled:
            raise SandboxFailed("the previous run has not settled")
        self.events.new_run()
        self.runs += 1
        # helper modules are sent only when there are some: older images never see the key
        await self._send({"cells": cells, **({"files": files} if files else {})})
        try:
            first = await self.events.next(None, ACK_TIMEOUT)
        except TimeoutError:
            await self._kill()
            raise SandboxFailed("the sandbox did not answer") from None
        if not isinstance(first, protocol.Started):
            await self._kill()
            raise SandboxFailed(f"the sandbox broke before the run: {self.stderr_tail()}")
        self._settled = False

        deadline = asyncio.get_running_loop().time() + self.settings.timeout
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        try:
            await self._pump(result, on_event, stop, deadline, decoder)
        except TimeoutError:
            await self._stop_run()
            result.fail("timeout", f"The code ran longer than {self.settings.timeout:g} s "
                        "and was stopped.", cell=result.current)
        except LimitExceeded as exc:
            await self._stop_run()
            result.fail("output_limit", str(exc), cell=result.current)

    async def settle(self) -> bool:
        """Wait until the harness has cleaned up after the run; True if this sandbox may
        serve another run. A sandbox that does not settle in time is killed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_TIMEOUT
        if not self.reusable:
            await self._kill()
        while self.alive and not self._settled:
            try:
                item = await self.events.next(None, max(0.0, deadline - loop.time()))
            except TimeoutError:
                log.warning("sandbox %s did not settle in time", self.id[:12])
                await self._kill()
                break
            if item is EOF or isinstance(item, Overflow):
                await self._kill()
            elif isinstance(item, Control):
                self._ended(item)
        return self.alive and self._settled

    def _ended(self, control: Control) -> None:
        """The harness's ``ended`` line: a run killed for memory ends the sandbox too."""
        self._settled = control.get("type") == "ended"
        if not self._settled or control.get("memory"):
            self.alive = False

    async def _send(self, request: dict) -> None:
        data = json.dumps(request).encode("utf-8") + b"\n"
        try:
            async with asyncio.timeout(CALL_TIMEOUT):
                await self.stream.write_in(data)
        except (RuntimeError, *DOCKER_ERRORS) as exc:
            raise SandboxFailed(f"could not send the code: {exc!r}") from exc

    async def _pump(self, result: RunResult, on_event: EventSink | None,
                    stop: asyncio.Event | None, deadline: float, decoder) -> None:
        loop = asyncio.get_running_loop()
        while True:
            item = await self.events.next(stop, max(0.0, deadline - loop.time()))
            if item == "stop":
                await self._stop_run()
                result.fail("stopped", "The run was stopped.", cell=result.current)
                return
            if item is EOF:
                await self._explain_exit(result)
                return
            if isinstance(item, Overflow):
                await self._kill()  # it wrote past any run's budget: not worth keeping
                raise LimitExceeded("The code wrote more output than allowed and was stopped.")
            if isinstance(item, Control):
                self._ended(item)
                self._explain_end(item, result)
                return
            if isinstance(item, protocol.Raw):  # stderr of the running cell
                item = protocol.Text("stderr", result.current, decoder.decode(item.data))
            if isinstance(item, protocol.Done):
                return
            for out in result.record(item):
                if on_event is not None:
                    await on_event(out)

    def _explain_end(self, ended: dict, result: RunResult) -> None:
        """The run's process ended before ``done``: why, as the harness saw it."""
        if ended.get("memory"):
            result.fail("memory", f"The code used more than {self.settings.memory_mb} MiB of "
                        "memory and was stopped.", cell=result.current)
        elif "code" in ended:
            result.fail("sandbox", "The sandbox ended unexpectedly (exit code "
                        f"{ended['code']}): {self.stderr_tail()}", cell=result.current)
        else:
            result.fail("sandbox", "The sandbox ended unexpectedly (signal "
                        f"{ended.get('signal', 'unknown')}): {self.stderr_tail()}",
                        cell=result.current)

    async def _explain_exit(self, result: RunResult) -> None:
        """The container ended before ``done``: say why, as precisely as the engine can."""
        state = {}
        with contextlib.suppress(*DOCKER_ERRORS):
            async with asyncio.timeout(CALL_TIMEOUT):
                state = (await self.container.show()).get("State", {})
        if state.get("OOMKilled"):
            result.fail("memory", f"The code used more than {self.settings.memory_mb} MiB of "
                        "memory and was stopped.", cell=result.current)
        else:
            code = state.get("ExitCode", "unknown")
            result.fail("sandbox", f"The sandbox ended unexpectedly (exit code {code}): "
                        f"{self.stderr_tail()}", cell=result.current)

    async def _stop_run(self) -> None:
        """Ask the harness to kill the run (the sandbox stays); kill the container if
        the request cannot even be written."""
        try:
            await self._send({"type": "stop"})
        except SandboxFailed:
            await self._kill()

    async def _kill(self) -> None:
        self.alive = False
        with contextlib.suppress(*DOCKER_ERRORS):
            async with asyncio.timeout(CALL_TIMEOUT):
                await self.container.kill()


async def remove_container(container) -> None:
    try:
        async with asyncio.timeout(CALL_TIMEOUT):
            await container.delete(force=True)
    except aiodocker.DockerError as exc:
        if exc.status != 404:  # already gone is fine
            raise
