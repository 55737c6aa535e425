"""One sandbox: a single-use container running the harness, driven through attach.

The container is created, attached (before start, so no early output is lost) and
started; the harness imports the heavy modules and says ``ready``. One run then writes
the cells to its stdin and reads events back until ``done``, a limit, a stop, or the
container's death. Whatever happens, the container is removed afterwards by its owner
(the pool), never reused.
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
from .config import Settings
from .errors import DockerUnavailable, ImageMissing, SandboxFailed
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

_EOF = object()


class _Overflow:
    """The sandbox wrote more than any run may: stop reading it."""


DOCKER_ERRORS = (aiodocker.DockerError, aiohttp.ClientError, OSError, asyncio.TimeoutError)


def docker_failure(exc: BaseException) -> Exception:
    """Map an error from the engine to what a client should see."""
    if isinstance(exc, aiodocker.DockerError) and exc.status == 404:
        return ImageMissing(f"The sandbox image is missing: {exc.message}")
    if isinstance(exc, aiodocker.DockerError) and exc.status < 500:
        return SandboxFailed(f"Docker refused the sandbox: {exc.message}")
    return DockerUnavailable(f"The Docker engine is unreachable: {exc or type(exc).__name__}")


class Sandbox:
    """A started container whose harness is ready (or getting ready) for one run."""

    def __init__(self, container, stream, settings: Settings, image_id: str):
        self.container = container
        self.id: str = container.id
        self.stream = stream
        self.settings = settings
        self.image_id = image_id
        self.created = time.monotonic()
        self.alive = True
        self._events: asyncio.Queue = asyncio.Queue()
        self._stderr_tail = b""
        self._reader = asyncio.create_task(self._read(), name=f"sandbox-read-{self.id[:12]}")

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
                while isinstance(item := await self._events.get(), protocol.Raw):
                    pass
        except TimeoutError:
            raise SandboxFailed("the sandbox was not ready in time") from None
        if not isinstance(item, protocol.Ready):
            raise SandboxFailed(f"the sandbox failed to start: {self.stderr_tail()}")

    async def destroy(self) -> None:
        """Kill and remove the container. Raises if the engine cannot be reached."""
        self.alive = False
        self._reader.cancel()
        with contextlib.suppress(Exception):
            await self.stream.close()
        await remove_container(self.container)

    def stderr_tail(self) -> str:
        text = self._stderr_tail.decode("utf-8", "replace").strip()
        return text[-500:] or "no output"

    # -- reading ------------------------------------------------------------------

    def _budget(self) -> int:
        """The most a run may legitimately send, plus room for the JSON around it."""
        s = self.settings
        outputs = s.max_images * s.max_image_bytes + s.max_html_bytes
        return 2 * (s.max_output_bytes + outputs) + 1_000_000

    async def _read(self) -> None:
        """Parse the attach stream into events; stop at EOF or past any run's budget."""
        # The tail of an unfinished line, kept in pieces: an html event can be megabytes,
        # and joining on every chunk would copy it over and over.
        pending: list[bytes] = []
        total = 0
        try:
            while (message := await self.stream.read_out()) is not None:
                total += len(message.data)
                if total > self._budget():
                    self._events.put_nowait(_Overflow())
                    return
                if message.stream == 2:  # raw bytes on fd 2/1: stderr of the running cell
                    self._stderr_tail = (self._stderr_tail + message.data)[-2000:]
                    self._events.put_nowait(protocol.Raw(message.data))
                    continue
                if b"\n" not in message.data:
                    pending.append(message.data)
                    continue
                *lines, rest = message.data.split(b"\n")
                lines[0] = b"".join(pending) + lines[0]
                pending = [rest] if rest else []
                for line in lines:
                    if (event := protocol.parse_line(line)) is not None:
                        self._events.put_nowait(event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the connection to the engine broke
            log.debug("attach stream of %s ended: %r", self.id[:12], exc)
        finally:
            self.alive = False
            self._events.put_nowait(_EOF)

    async def _next(self, stop: asyncio.Event | None, timeout: float):
        """The next event, or ``"stop"``, or raises TimeoutError."""
        if not self._events.empty():
            return self._events.get_nowait()
        if stop is None:
            async with asyncio.timeout(timeout):
                return await self._events.get()
        getter = asyncio.ensure_future(self._events.get())
        stopper = asyncio.ensure_future(stop.wait())
        try:
            done, _ = await asyncio.wait({getter, stopper}, timeout=timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
            if not getter.done():
                getter.cancel()
        if getter in done:  # an event that came with the stop is handled first
            return getter.result()
        if stopper in done:
            return "stop"
        raise TimeoutError

    # -- running ------------------------------------------------------------------

    async def run(self, cells: list[str], result: RunResult, on_event: EventSink | None,
                  stop: asyncio.Event | None = None) -> None:
        """Run ``cells`` and record what happens in ``result``.

        Raises SandboxFailed if the sandbox turns out broken before taking the run (the
        caller may retry elsewhere: no user code ran).
        """
        await self._send({"cells": cells})
        try:
            first = await self._next(None, ACK_TIMEOUT)
        except TimeoutError:
            raise SandboxFailed("the sandbox did not answer") from None
        if not isinstance(first, protocol.Started):
            raise SandboxFailed(f"the sandbox broke before the run: {self.stderr_tail()}")

        deadline = asyncio.get_running_loop().time() + self.settings.timeout
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        try:
            await self._pump(result, on_event, stop, deadline, decoder)
        except TimeoutError:
            await self._kill()
            result.fail("timeout", f"The code ran longer than {self.settings.timeout:g} s "
                        "and was stopped.", cell=result.current)
        except LimitExceeded as exc:
            await self._kill()
            result.fail("output_limit", str(exc), cell=result.current)

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
            item = await self._next(stop, max(0.0, deadline - loop.time()))
            if item == "stop":
                await self._kill()
                result.fail("stopped", "The run was stopped.", cell=result.current)
                return
            if item is _EOF:
                await self._explain_exit(result)
                return
            if isinstance(item, _Overflow):
                raise LimitExceeded("The code wrote more output than allowed and was stopped.")
            if isinstance(item, protocol.Raw):  # stderr of the running cell
                item = protocol.Text("stderr", result.current, decoder.decode(item.data))
            if isinstance(item, protocol.Done):
                return
            for out in result.record(item):
                if on_event is not None:
                    await on_event(out)

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
