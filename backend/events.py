"""A sandbox's attach stream parsed into events, within a per-run byte budget.

Lines of JSON on stdout are the run's events (typed by protocol.py); a line starting with
``!`` is a control line of the harness's PID 1 (``ended``: the run is over and cleaned
up); raw bytes on stderr (or fd 1, which the harness points at stderr) become stderr of
the running cell.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable

from . import protocol

log = logging.getLogger(__name__)

#: The stream ended: the container is gone or the connection to the engine broke.
EOF = object()


class Overflow:
    """The sandbox wrote more than any run may: stop reading it."""


class Control(dict):
    """A control line (``!{...}``) that only the harness's PID 1 can write."""


def parse(line: bytes):
    """A control line of PID 1, a typed event (protocol.py), raw output, or None."""
    if line.startswith(b"!"):  # PID 1's control line (a run's lines never start so)
        with contextlib.suppress(ValueError):
            control = json.loads(line[1:])
            if isinstance(control, dict):
                return Control(control)
    return protocol.parse_line(line)


class EventStream:
    def __init__(self, stream, budget: int, name: str, on_end: Callable[[], None]):
        self.stream = stream
        self.budget = budget  # bytes one run may send, reset by ``new_run``
        self.name = name
        self.on_end = on_end
        self.run_bytes = 0
        self.queue: asyncio.Queue = asyncio.Queue()
        self._stderr_tail = b""
        self.task = asyncio.create_task(self._read(), name=f"sandbox-read-{name}")

    def new_run(self) -> None:
        """Forget what a previous run left queued (output after its result) and reset
        the budget."""
        self.run_bytes = 0
        while not self.queue.empty():
            item = self.queue.get_nowait()
            if item is EOF:
                self.queue.put_nowait(item)
                return

    def stderr_tail(self) -> str:
        text = self._stderr_tail.decode("utf-8", "replace").strip()
        return text[-500:] or "no output"

    async def _read(self) -> None:
        """Parse the attach stream into events; stop at EOF or past a run's budget."""
        # The tail of an unfinished line, kept in pieces: an html event can be megabytes,
        # and joining on every chunk would copy it over and over.
        pending: list[bytes] = []
        try:
            while (message := await self.stream.read_out()) is not None:
                self.run_bytes += len(message.data)
                if self.run_bytes > self.budget:
                    self.queue.put_nowait(Overflow())
                    return
                if message.stream == 2:  # raw bytes on fd 2/1: stderr of the running cell
                    self._stderr_tail = (self._stderr_tail + message.data)[-2000:]
                    self.queue.put_nowait(protocol.Raw(message.data))
                    continue
                if b"\n" not in message.data:
                    pending.append(message.data)
                    continue
                *lines, rest = message.data.split(b"\n")
                lines[0] = b"".join(pending) + lines[0]
                pending = [rest] if rest else []
                for line in lines:
                    if (event := parse(line)) is not None:
                        self.queue.put_nowait(event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the connection to the engine broke
            log.debug("attach stream of %s ended: %r", self.name, exc)
        finally:
            self.on_end()
            self.queue.put_nowait(EOF)

    async def next(self, stop: asyncio.Event | None, timeout: float):
        """The next event, or ``"stop"``, or raises TimeoutError."""
        if not self.queue.empty():
            return self.queue.get_nowait()
        if stop is None:
            async with asyncio.timeout(timeout):
                return await self.queue.get()
        getter = asyncio.ensure_future(self.queue.get())
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
