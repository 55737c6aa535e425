"""Turning a sandbox's events into the result of ``POST /api/v1/run``, within the caps.

The result is assembled here once: ``record`` folds each typed event (see protocol.py)
into it and returns what the WebSocket stream sends on, so the streamed outputs and the
final result can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import protocol
from .config import Settings

#: Run errors (the ``error.kind`` of a 200 answer).
ERROR_KINDS = ("exception", "timeout", "memory", "output_limit", "stopped", "sandbox")


class LimitExceeded(Exception):
    """The run went over an output cap; the sandbox is killed."""


@dataclass
class RunResult:
    settings: Settings
    ncells: int
    cells: list = field(default_factory=list)
    error: dict | None = None
    output_bytes: int = 0
    images: int = 0
    html: int = 0
    html_bytes: int = 0
    current: int = 0  # the cell running now (or last)

    def cell(self, index: int) -> dict:
        """The output record of cell ``index``, creating those up to it: cells run in order."""
        self.current = max(self.current, index)
        while len(self.cells) <= index:
            self.cells.append({"stdout": "", "stderr": "", "images": [], "html": []})
        return self.cells[index]

    def valid_cell(self, value) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < self.ncells:
            return value
        return self.current

    def record(self, event) -> list[dict]:
        """Fold one event of the running sandbox in; the client events it makes."""
        match event:
            case protocol.Text(stream, cell, data) if data:
                return self.add_text(stream, self.valid_cell(cell), data)
            case protocol.Image(cell, data, mime):
                return self.add_image(self.valid_cell(cell), mime, data)
            case protocol.Html(cell, data):
                return self.add_html(self.valid_cell(cell), data)
            case protocol.CellDone(cell):
                index = self.valid_cell(cell)
                self.cell(index)
                self.current = min(index + 1, self.ncells - 1)
                return [{"type": "cell_done", "cell": index}]
            case protocol.Error(cell, kind, message, traceback):
                self.fail(kind, message, traceback, self.valid_cell(cell))
        return []

    def add_text(self, stream: str, index: int, data: str) -> list[dict]:
        self.output_bytes += len(data.encode("utf-8", "replace"))
        if self.output_bytes > self.settings.max_output_bytes:
            raise LimitExceeded(
                f"The code printed more than {self.settings.max_output_bytes:,} bytes of "
                "output and was stopped.")
        self.cell(index)[stream] += data
        return [{"type": stream, "cell": index, "data": data}]

    def add_image(self, index: int, mime: str, data: str) -> list[dict]:
        self.images += 1
        if self.images > self.settings.max_images:
            raise LimitExceeded(
                f"The code made more than {self.settings.max_images} figures and was stopped.")
        if len(data) > self.settings.max_image_bytes:
            # The harness drops such figures itself; one that arrives anyway is left out
            # the same way: the run goes on.
            return self.note(index, f"A figure was larger than "
                             f"{self.settings.max_image_bytes:,} bytes and is not shown.")
        self.cell(index)["images"].append({"mime": mime, "data": data})
        return [{"type": "image", "cell": index, "mime": mime, "data": data}]

    def add_html(self, index: int, data: str) -> list[dict]:
        self.html += 1
        if self.html > self.settings.max_html:
            raise LimitExceeded(
                f"The code made more than {self.settings.max_html} HTML outputs and was "
                "stopped.")
        size = len(data.encode("utf-8", "replace"))
        if self.html_bytes + size > self.settings.max_html_bytes:
            # A bound on what one run holds in the service's memory; like an oversized
            # figure, the output is left out and the run goes on.
            return self.note(index, f"An HTML output of {size:,} bytes would take this "
                             f"run past {self.settings.max_html_bytes:,} bytes of HTML and "
                             "is not shown.")
        self.html_bytes += size
        self.cell(index)["html"].append(data)
        return [{"type": "html", "cell": index, "data": data}]

    def note(self, index: int, text: str) -> list[dict]:
        """What livegallery left out, said under the cell as stderr text."""
        return self.add_text("stderr", index, f"livegallery: {text}\n")

    def fail(self, kind: str, message: str, traceback: str = "", cell: int | None = None):
        if self.error is not None:  # the first failure is the one that explains the run
            return
        if cell is not None:
            self.cell(cell)
        self.error = {"kind": kind, "message": message, "traceback": traceback, "cell": cell}

    def as_json(self, duration_ms: float) -> dict:
        return {
            "ok": self.error is None,
            "cells": self.cells,
            "error": self.error,
            "duration_ms": round(duration_ms, 1),
        }


def summary(result: dict) -> dict:
    """A run result without the outputs a WebSocket client already got as events:
    ``cells`` becomes ``cells_reported``, how many cells have a record (ran or began)."""
    short = {key: value for key, value in result.items() if key != "cells"}
    short["cells_reported"] = len(result["cells"])
    return short
