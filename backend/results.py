"""Turning a sandbox's events into the result of ``POST /api/v1/run``, within the caps."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    current: int = 0  # the cell running now (or last)

    def cell(self, index: int) -> dict:
        """The output record of cell ``index``, creating those up to it: cells run in order."""
        self.current = max(self.current, index)
        while len(self.cells) <= index:
            self.cells.append({"stdout": "", "stderr": "", "images": []})
        return self.cells[index]

    def valid_cell(self, value) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < self.ncells:
            return value
        return self.current

    def add_text(self, stream: str, index: int, data: str) -> None:
        self.output_bytes += len(data.encode("utf-8", "replace"))
        if self.output_bytes > self.settings.max_output_bytes:
            raise LimitExceeded(
                f"The code printed more than {self.settings.max_output_bytes:,} bytes of "
                "output and was stopped.")
        self.cell(index)[stream] += data

    def add_image(self, index: int, mime: str, data: str) -> None:
        self.images += 1
        if self.images > self.settings.max_images:
            raise LimitExceeded(
                f"The code made more than {self.settings.max_images} figures and was stopped.")
        if len(data) > self.settings.max_image_bytes:
            raise LimitExceeded(
                f"A figure was larger than {self.settings.max_image_bytes:,} bytes and the "
                "run was stopped.")
        self.cell(index)["images"].append({"mime": mime, "data": data})

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
