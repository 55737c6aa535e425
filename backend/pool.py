"""The warm pool: single-use sandboxes started ahead of demand.

Each pooled container already runs the harness with the heavy modules imported and waits
for its one run; after that run it is destroyed and a new one is started in the
background. Requests that find no ready sandbox wait in a bounded queue (past it: 429).

The pool heals itself on a timer and on every change: dead, hung or stale containers are
replaced, an image rebuilt under the same tag is picked up, removals that failed while
the engine was away are retried, and starts back off while the engine is unreachable.
With ``pool_size = 0`` nothing is kept ahead and each run starts its own container.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections import deque

import aiodocker

from .config import Settings
from .errors import Busy, ImageMissing, SandboxUnavailable, ServiceError
from .executor import CALL_TIMEOUT, DOCKER_ERRORS, Sandbox, docker_failure, remove_container
from .hardening import LABEL, OWNER_LABEL

log = logging.getLogger(__name__)

MAX_BACKOFF = 5.0


def new_owner() -> str:
    """Identifies this service process on the containers it creates."""
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"


class Pool:
    def __init__(self, docker: aiodocker.Docker, settings: Settings):
        self.docker = docker
        self.settings = settings
        self.owner = new_owner()
        self.ready: deque[Sandbox] = deque()
        self.busy: set[Sandbox] = set()
        self.starting = 0
        self.waiting = 0
        self.image_id: str | None = None
        self.problem: ServiceError | None = None  # why sandboxes cannot start right now
        self._doomed: dict[str, object] = {}  # containers whose removal must be retried
        self._cond = asyncio.Condition()
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()
        self._loop_task: asyncio.Task | None = None
        self._retry_at = 0.0
        self._backoff = 0.5
        self._image_checked = 0.0
        self._closed = False

    # -- public -------------------------------------------------------------------

    async def start(self) -> None:
        with contextlib.suppress(*DOCKER_ERRORS):
            await self.sweep()
        self._loop_task = asyncio.create_task(self._run_loop(), name="pool-loop")

    async def acquire(self) -> Sandbox:
        """A ready sandbox for one run, waiting in the bounded queue if need be."""
        s = self.settings
        if len(self.busy) + self.waiting >= s.max_concurrent + s.queue_size:
            raise Busy("All sandboxes are busy and the queue is full; try again shortly.")
        deadline = time.monotonic() + s.queue_timeout
        self.waiting += 1
        self._wake.set()
        try:
            async with self._cond:
                while (sandbox := self._take()) is None:
                    self._raise_if_blocked()
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise Busy("All sandboxes stayed busy; try again shortly.")
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(remaining):
                            await self._cond.wait()
                return sandbox
        finally:
            self.waiting -= 1

    def release(self, sandbox: Sandbox) -> None:
        """The run is over: destroy the container (never reused) and refill."""
        self.busy.discard(sandbox)
        self._discard(sandbox)
        self._changed()

    def stats(self) -> dict:
        return {
            "size": self.settings.pool_size,
            "ready": len(self.ready),
            "starting": self.starting,
            "in_use": len(self.busy),
            "waiting": self.waiting,
            "owner": self.owner,  # the label value on this service's containers
        }

    async def close(self) -> None:
        """Remove every container this pool made: ready, busy, or failed to remove."""
        self._closed = True
        if self._loop_task:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        for sandbox in [*self.ready, *self.busy]:
            self._discard(sandbox)
        self.ready.clear()
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(*DOCKER_ERRORS):
            await self.sweep(own=True)

    def wake(self) -> None:
        """Try again now (e.g. the engine answers again): forget the back-off."""
        self._retry_at = 0.0
        self._image_checked = 0.0
        self._wake.set()

    async def sweep(self, own: bool = False) -> int:
        """Remove containers left by a crashed service (or, with ``own``, by this one)."""
        async with asyncio.timeout(CALL_TIMEOUT):
            containers = await self.docker.containers.list(
                all=True, filters={"label": [LABEL]})
        removed = 0
        for container in containers:
            if self._is_leftover(container._container, own):
                with contextlib.suppress(*DOCKER_ERRORS):
                    await remove_container(container)
                    removed += 1
        if removed:
            log.info("removed %d leftover sandbox container(s)", removed)
        return removed

    # -- taking and giving back ---------------------------------------------------

    def _take(self) -> Sandbox | None:
        if len(self.busy) >= self.settings.max_concurrent:
            return None
        while self.ready:
            sandbox = self.ready.popleft()
            if sandbox.alive and sandbox.image_id == self.image_id:
                self.busy.add(sandbox)
                self._wake.set()
                return sandbox
            self._discard(sandbox)
        return None

    def _raise_if_blocked(self) -> None:
        """Fail fast with a clear error instead of queueing when nothing can start."""
        if self.problem is not None and not self.starting:
            raise self.problem

    def _discard(self, sandbox: Sandbox) -> None:
        self._spawn(self._destroy(sandbox))

    async def _destroy(self, sandbox: Sandbox) -> None:
        try:
            await sandbox.destroy()
        except DOCKER_ERRORS as exc:
            log.warning("could not remove %s yet (%r); will retry", sandbox.id[:12], exc)
            self._doomed[sandbox.id] = sandbox.container

    def _changed(self) -> None:
        self._wake.set()
        self._spawn(self._notify())

    async def _notify(self) -> None:
        async with self._cond:
            self._cond.notify_all()

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- the maintenance loop -----------------------------------------------------

    async def _run_loop(self) -> None:
        while not self._closed:
            try:
                await self._maintain()
                self._top_up()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("pool maintenance failed")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._tick()):
                    await self._wake.wait()
            self._wake.clear()

    def _tick(self) -> float:
        tick = min(self.settings.image_check_interval, 1.0 + self.settings.max_idle / 10)
        if self._retry_at:
            tick = min(tick, max(0.05, self._retry_at - time.monotonic()))
        return tick

    async def _maintain(self) -> None:
        now = time.monotonic()
        due = now - self._image_checked >= self.settings.image_check_interval
        if (self.image_id is None or due) and now >= self._retry_at:
            await self._check_image()
        for sandbox in list(self.ready):
            stale = sandbox.image_id != self.image_id
            old = now - sandbox.created > self.settings.max_idle
            if stale or old or not sandbox.alive:
                self.ready.remove(sandbox)
                self._discard(sandbox)
        for container_id, container in list(self._doomed.items()):
            with contextlib.suppress(*DOCKER_ERRORS):
                await remove_container(container)
                del self._doomed[container_id]

    async def _check_image(self) -> None:
        """Resolve the image tag; a rebuilt image (new id) retires the old containers."""
        self._image_checked = time.monotonic()
        try:
            async with asyncio.timeout(CALL_TIMEOUT):
                info = await self.docker.images.inspect(self.settings.image)
        except DOCKER_ERRORS as exc:
            self._set_problem(docker_failure(exc) if not _is_missing(exc) else ImageMissing(
                f"The sandbox image {self.settings.image} does not exist; build it with "
                "images/build.sh (or make image)."))
            self._back_off()
            return
        if info["Id"] != self.image_id:
            if self.image_id is not None:
                log.info("image %s changed: %s -> %s", self.settings.image,
                         self.image_id[:19], info["Id"][:19])
            self.image_id = info["Id"]
            self._changed()
        if isinstance(self.problem, ImageMissing):
            self._set_problem(None)

    def _target(self) -> int:
        s = self.settings
        return min(s.pool_size + self.waiting, s.pool_size + s.max_concurrent)

    def _top_up(self) -> None:
        if self._closed or self.image_id is None or time.monotonic() < self._retry_at:
            return
        if self.busy and self.ready and not self.waiting:
            # A starting container's imports take a core for about a second: while a
            # reader's run is going and nobody waits, refill after it (release wakes us).
            return
        while (len(self.ready) + self.starting < self._target()
               and self.starting < self.settings.refill_concurrency):
            self.starting += 1
            self._spawn(self._start_one(self.image_id))

    async def _start_one(self, image_id: str) -> None:
        try:
            sandbox = await Sandbox.start(self.docker, self.settings, image_id, self.owner)
        except Exception as exc:  # noqa: BLE001 - whatever broke, back off and retry
            log.warning("a sandbox failed to start: %s", exc)
            self._set_problem(exc if isinstance(exc, ServiceError) else SandboxUnavailable(
                f"Sandboxes fail to start: {exc}"))
            self._back_off()
        else:
            self._set_problem(None)
            self._backoff, self._retry_at = 0.5, 0.0
            if self._closed or image_id != self.image_id:
                self._discard(sandbox)
            else:
                self.ready.append(sandbox)
        finally:
            self.starting -= 1
            self._changed()

    def _back_off(self) -> None:
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, MAX_BACKOFF)

    def _set_problem(self, problem: ServiceError | None) -> None:
        """Record why sandboxes cannot start; waiting requests learn it at once."""
        changed = (problem is None) != (self.problem is None)
        self.problem = problem
        if changed or problem is not None:
            self._spawn(self._notify())

    def _is_leftover(self, info: dict, own: bool) -> bool:
        owner = info.get("Labels", {}).get(OWNER_LABEL, "")
        if owner == self.owner:
            return own
        host, _, rest = owner.partition("/")
        pid = rest.partition("/")[0]
        if host == socket.gethostname() and pid.isdigit():
            return not _process_exists(int(pid))
        # Another machine's service may still use its running containers; exited ones
        # are leftovers whoever made them.
        return info.get("State") != "running"


def _is_missing(exc: BaseException) -> bool:
    return isinstance(exc, aiodocker.DockerError) and exc.status == 404


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
