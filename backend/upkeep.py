"""The pool's upkeep: a loop that keeps it healthy on a timer and on every change.

It re-resolves the image tag, retires dead, stale and too-old ready containers and ended
sessions, retries failed removals, and starts containers up to the target (backing off
while the engine is away). Mixed into ``Pool`` (pool.py), whose state it maintains.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from .errors import ImageMissing, SandboxUnavailable, ServiceError
from .executor import Sandbox

log = logging.getLogger("livegallery.backend.pool")

MAX_BACKOFF = 5.0
#: The longest a refill waits for the first run in the container it replaces (see
#: _refill_waits): about one typical gallery run.
REFILL_HOLD = 0.5


class PoolUpkeep:
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
        s = self.settings
        tick = min(s.image_check_interval, 1.0 + s.max_idle / 10, 1.0 + s.session_idle / 10)
        now = time.monotonic()
        if self._retry_at:
            tick = min(tick, max(0.05, self._retry_at - now))
        if self._hold_until > now:
            tick = min(tick, max(0.01, self._hold_until - now))
        return tick

    async def _maintain(self) -> None:
        now = time.monotonic()
        if self.images.due() and now >= self._retry_at:
            await self._check_image()
        for sandbox in list(self.ready):
            stale = sandbox.image_id != self.image_id
            old = now - sandbox.created > self.settings.max_idle
            if stale or old or not sandbox.alive:
                self.ready.remove(sandbox)
                self._discard(sandbox)
        ended = self.sessions.expired(self.image_id)
        for session in ended:
            self._discard(session.sandbox)
        if ended:
            self._changed()  # requests waiting for one of them take a fresh sandbox
        await self.reaper.retry()

    async def _check_image(self) -> None:
        try:
            if await self.images.check():
                self._changed()
        except ServiceError as problem:
            self._set_problem(problem)
            self._back_off()
            return
        if isinstance(self.problem, ImageMissing):
            self._set_problem(None)

    def _target(self) -> int:
        """Ready containers wanted: the pool, plus one per request waiting for a fresh
        sandbox. Runs in a reader's session consume none, so they do not count."""
        s = self.settings
        return min(s.pool_size + self.waiting_fresh, s.pool_size + s.max_concurrent)

    def _top_up(self) -> None:
        if self._closed or self.image_id is None or time.monotonic() < self._retry_at:
            return
        if self._refill_waits():
            return
        while (len(self.ready) + self.starting < self._target()
               and self.starting < self.settings.refill_concurrency):
            self.starting += 1
            self._spawn(self._start_one(self.image_id))

    def _refill_waits(self) -> bool:
        """Whether to hold refills back a moment (release and the tick wake us).

        A start's engine work (create, start, namespaces) competes with the run that
        took the container, slowing that reader's first run by tens of ms. So while such
        a run goes, a ready container remains and nobody waits, refill after it: for at
        most REFILL_HOLD seconds with cpu_priority (the imports that follow yield to runs
        anyway), else while any run goes (imports then take a core for about a second).
        """
        if not self.ready or self.waiting_fresh:
            return False
        if not self.settings.cpu_priority:
            return bool(self.busy)
        return bool(self.fresh_runs) and time.monotonic() < self._hold_until

    async def _start_one(self, image_id: str) -> None:
        try:
            sandbox = await Sandbox.start(self.docker, self.settings, image_id, self.owner)
        except Exception as exc:  # noqa: BLE001 - whatever broke, back off and retry
            log.warning("a sandbox failed to start: %s", exc)
            self._set_problem(exc)
            self._back_off()
        else:
            self._set_problem(None)
            self._backoff, self._retry_at = 0.5, 0.0
            if self._closed or image_id != self.image_id:
                self._discard(sandbox)
            else:
                self._versions = {image_id: sandbox.versions}  # only the current image's
                self.ready.append(sandbox)
        finally:
            self.starting -= 1
            self._changed()

    def _back_off(self) -> None:
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, MAX_BACKOFF)

    def _set_problem(self, problem: Exception | None) -> None:
        """Record why sandboxes cannot start; waiting requests learn it at once. Only
        ServiceErrors are kept: they are what a request may raise (anything else would
        escape as a 500)."""
        if problem is not None and not isinstance(problem, ServiceError):
            problem = SandboxUnavailable(f"Sandboxes fail to start: {problem}")
        changed = (problem is None) != (self.problem is None)
        self.problem = problem
        if changed or problem is not None:
            self._spawn(self._notify())
