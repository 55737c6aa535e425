"""The warm pool: sandboxes started ahead of demand, and the sandboxes of reader sessions.

A pooled container already runs the harness with the heavy modules imported. A reader's
first run takes one; afterwards it stays that reader's session sandbox (sessions.py) for
their next runs, or is destroyed when sessions are off, full or it broke. At most
``max_concurrent`` runs go at once; requests that must wait do so in a bounded queue
(past it: 429). A request for a session whose sandbox is busy (the reader's previous run
is still cleaning up, or a second tab sent the same token) waits for it in that queue.

The pool heals itself on a timer and on every change: dead, hung or stale containers are
replaced, an image rebuilt under the same tag is picked up (image_watch.py), removals
that failed while the engine was away are retried (reaper.py), and starts back off while
the engine is unreachable. With ``pool_size = 0`` nothing is kept ahead.
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
from .errors import Busy, DockerUnavailable, ImageMissing, ServiceError
from .executor import DOCKER_ERRORS, Sandbox
from .image_watch import ImageWatch
from .reaper import Reaper
from .sessions import Session, Sessions
from .upkeep import REFILL_HOLD, PoolUpkeep

log = logging.getLogger(__name__)


def new_owner() -> str:
    """Identifies this service process on the containers it creates."""
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"


class Pool(PoolUpkeep):
    def __init__(self, docker: aiodocker.Docker, settings: Settings):
        self.docker = docker
        self.settings = settings
        self.owner = new_owner()
        self.ready: deque[Sandbox] = deque()
        self.busy: set[Sandbox] = set()  # running a run
        self.fresh_runs: set[Sandbox] = set()  # ... the first in a container just taken
        self._hold_until = 0.0  # refills wait for those runs until then (upkeep.py)
        self.sessions = Sessions(settings)
        self.starting = 0
        self.waiting = 0  # requests queued, for any sandbox
        self.waiting_fresh = 0  # ... of which need a new one (no session)
        #: {image id: {distribution: version}} as the images' sandboxes reported them
        self._versions: dict[str, dict[str, str]] = {}
        self.problem: ServiceError | None = None  # why sandboxes cannot start right now
        self.images = ImageWatch(docker, settings)
        self.reaper = Reaper(docker, self.owner)
        self._cond = asyncio.Condition()
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()
        self._loop_task: asyncio.Task | None = None
        self._retry_at = 0.0
        self._backoff = 0.5
        self._closed = False

    @property
    def image_id(self) -> str | None:
        return self.images.image_id

    # -- public -------------------------------------------------------------------

    async def start(self) -> None:
        with contextlib.suppress(*DOCKER_ERRORS):
            await self.reaper.sweep()
        self._loop_task = asyncio.create_task(self._run_loop(), name="pool-loop")

    def versions(self) -> dict[str, str]:
        """The current image's installed versions; empty until one of its sandboxes is up."""
        return dict(self._versions.get(self.image_id, {}))

    async def acquire(self, token: str | None = None) -> tuple[Sandbox, Session | None]:
        """A sandbox for one run: the session's of ``token`` if it still exists, else a
        ready one; waiting in the bounded queue if need be."""
        s = self.settings
        if len(self.busy) + self.waiting >= s.max_concurrent + s.queue_size:
            raise Busy("All sandboxes are busy and the queue is full; try again shortly.")
        deadline = time.monotonic() + s.queue_timeout
        session = self.sessions.find(token)
        self.waiting += 1
        fresh = session is None
        self.waiting_fresh += fresh
        self._wake.set()
        try:
            async with self._cond:
                while True:
                    if session is not None and self.sessions.find(session.token) is None:
                        session, fresh = None, True  # it ended while we waited
                        self.waiting_fresh += 1
                        self._wake.set()
                    got = self._take_session(session) if session else self._take()
                    if got is not None:
                        return got, session
                    if session is None:
                        self._raise_if_blocked()
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise Busy("All sandboxes stayed busy; try again shortly.")
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(remaining):
                            await self._cond.wait()
        finally:
            self.waiting -= 1
            self.waiting_fresh -= fresh

    def release(self, sandbox: Sandbox, session: Session | None) -> str | None:
        """The run's result is final. Returns the session token its answer carries (None:
        no session); the sandbox is cleaned up and kept for it, or destroyed."""
        if (session is None and self.sessions.enabled and sandbox.alive and sandbox.reusable
                and not self._closed):
            session, evicted = self.sessions.open(sandbox)
            for old in evicted:
                self._discard(old.sandbox)
        # The run's slot is free now: the harness's cleanup takes a millisecond of the
        # sandbox's own CPU. Only this session waits for it (it stays busy until then).
        self.busy.discard(sandbox)
        self.fresh_runs.discard(sandbox)
        if session is None or not sandbox.alive:
            self._end_run(sandbox, session, keep=False)
            return None
        self._spawn(self._settle(sandbox, session))
        self._changed()
        return session.token

    def end_session(self, token: str | None) -> None:
        """Nobody can use this token (its answer never reached the client): end it now
        rather than after the idle time."""
        session = self.sessions.find(token)
        if session is None:
            return
        self.sessions.close(session)
        if not session.busy:  # a busy one is destroyed when it settles (it is closed)
            self._discard(session.sandbox)
            self._changed()

    def health(self, engine_answers: bool) -> tuple[dict, ServiceError | None]:
        """What health reports, and the problem that makes the service unavailable."""
        if engine_answers and isinstance(self.problem, DockerUnavailable):
            self.wake()  # the engine answers again: retry now, not after the back-off
        body = {"image_id": self.image_id, "pool": self.stats(),
                "sessions": self.sessions.stats(), "versions": self.versions()}
        if self.image_id is None or isinstance(self.problem, ImageMissing):
            return body, self.problem or ImageMissing("The sandbox image is not resolved yet.")
        return body, None

    def stats(self) -> dict:
        return {
            "size": self.settings.pool_size,
            "ready": len(self.ready),
            "starting": self.starting,
            "in_use": len(self.busy),
            "waiting": self.waiting,
            "sessions": len(self.sessions.all()),  # live reader sessions (health details them)
            "owner": self.owner,  # the label value on this service's containers
        }

    async def close(self) -> None:
        """Remove every container this pool made: ready, busy, in a session, or failed
        to remove."""
        self._closed = True
        if self._loop_task:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        for session in self.sessions.all():
            self.sessions.close(session)
        for sandbox in {*self.ready, *self.busy, *(s.sandbox for s in self.sessions.all())}:
            self._discard(sandbox)
        self.ready.clear()
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(*DOCKER_ERRORS):
            await self.reaper.sweep(own=True)

    def wake(self) -> None:
        """Try again now (e.g. the engine answers again): forget the back-off."""
        self._retry_at = 0.0
        self.images.forget_check()
        self._wake.set()

    # -- taking and giving back ---------------------------------------------------

    def _take(self) -> Sandbox | None:
        if len(self.busy) >= self.settings.max_concurrent:
            return None
        while self.ready:
            sandbox = self.ready.popleft()
            if sandbox.alive and sandbox.image_id == self.image_id:
                self.busy.add(sandbox)
                self.fresh_runs.add(sandbox)
                self._hold_until = time.monotonic() + REFILL_HOLD
                self._spawn(sandbox.claim_cpu())  # concurrently with the run's first ms
                self._wake.set()
                return sandbox
            self._discard(sandbox)
        return None

    def _take_session(self, session: Session) -> Sandbox | None:
        if session.busy or len(self.busy) >= self.settings.max_concurrent:
            return None
        session.busy = True
        self.sessions.touch(session)
        self.busy.add(session.sandbox)
        return session.sandbox

    async def _settle(self, sandbox: Sandbox, session: Session) -> None:
        """Wait for the harness's cleanup after the run; then the session may run again."""
        try:
            keep = await sandbox.settle()
        except Exception:
            log.exception("settling %s failed", sandbox.id[:12])
            keep = False
        self._end_run(sandbox, session, keep and not self._closed)

    def _end_run(self, sandbox: Sandbox, session: Session | None, keep: bool) -> None:
        if keep and not session.closed:
            session.busy = False
            self.sessions.touch(session)
        else:
            if session is not None:
                self.sessions.close(session)
            self._discard(sandbox)
        self._changed()

    def _raise_if_blocked(self) -> None:
        """Fail fast with a clear error instead of queueing when nothing can start."""
        if self.problem is not None and not self.starting:
            raise self.problem

    def _discard(self, sandbox: Sandbox) -> None:
        self._spawn(self.reaper.destroy(sandbox))

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
