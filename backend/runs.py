"""One run from request to result: take a sandbox (the reader's own, if their session
still has one), run the cells, give the sandbox back."""

from __future__ import annotations

import asyncio
import logging
import time

from .errors import SandboxFailed
from .executor import EventSink
from .pool import Pool
from .results import RunResult

log = logging.getLogger(__name__)

#: A sandbox that breaks before taking the run (no user code ran in it) is replaced this
#: many times before the run is reported as failed.
ATTEMPTS = 3


async def run_cells(pool: Pool, cells: list[str], on_event: EventSink | None = None,
                    stop: asyncio.Event | None = None, session: str | None = None,
                    files: dict[str, str] | None = None) -> dict:
    """The result object of ``POST /api/v1/run`` for ``cells``, run in the sandbox of
    the reader's ``session`` if it still exists (``files``: helper modules the cells
    import). The result's ``session`` is the token for the next run (absent when the
    sandbox could not be kept)."""
    started = time.perf_counter()
    result = RunResult(pool.settings, len(cells))
    token = None
    for attempt in range(1, ATTEMPTS + 1):
        sandbox, kept = await pool.acquire(session)
        try:
            await sandbox.run(cells, result, on_event, stop, files=files)
            break
        except SandboxFailed as exc:
            log.warning("sandbox %s broke before the run (attempt %d): %s",
                        sandbox.id[:12], attempt, exc)
            session = None  # that session's sandbox is gone: a fresh one, transparently
        except asyncio.CancelledError:
            sandbox.alive = False  # mid-run, its process may still go on: never keep it
            raise
        finally:
            token = pool.release(sandbox, kept)
    else:
        result.fail("sandbox", "No working sandbox could be found; please try again.")
        token = None
    answer = result.as_json((time.perf_counter() - started) * 1000)
    if token is not None:
        answer["session"] = token
    return answer
