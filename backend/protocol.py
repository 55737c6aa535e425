"""The harness-to-service protocol: every event line a sandbox writes, typed and checked here.

The harness (``images/sandbox/harness.py``) writes one JSON object per line on its
private copy of stdout. A reader's code runs in the same process, so every line is
untrusted: this module is the one place that decides what a line means. A line that is
not a JSON object is raw output (shown as stderr of the running cell); an object of an
unknown type, or with a field of the wrong type, is ignored, so a forged line can add
nothing a reader's code could not print anyway.

A ``cell`` that is not an int is kept as None here; the run result maps it (and any
out-of-range cell) to the cell running now, as it knows how many cells there are.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

#: What a figure's data may contain: base64, nothing that could escape a data: URL.
_BASE64 = re.compile(rb"[A-Za-z0-9+/]*={0,2}")


@dataclass(frozen=True)
class Ready:
    """The harness imported its modules and waits for the request. ``versions`` are the
    sandbox's installed distributions (older images send none); ``reusable``: it serves
    many runs, each in a forked child (a harness without it serves one)."""

    versions: dict[str, str] = field(default_factory=dict)
    reusable: bool = False


@dataclass(frozen=True)
class Started:
    """The harness took the request; user code runs from now on."""


@dataclass(frozen=True)
class Text:
    stream: str  # "stdout" or "stderr"
    cell: int | None
    data: str


@dataclass(frozen=True)
class Image:
    cell: int | None
    data: str  # base64 PNG
    mime: str = "image/png"


@dataclass(frozen=True)
class Html:
    """Untrusted HTML (a ``_repr_html_``, a plotly figure, an animation)."""

    cell: int | None
    data: str


@dataclass(frozen=True)
class CellDone:
    cell: int | None


@dataclass(frozen=True)
class Error:
    cell: int | None
    kind: str  # "exception" or "memory"
    message: str
    traceback: str


@dataclass(frozen=True)
class Done:
    """Every cell ran (or one failed): the run is over."""


@dataclass(frozen=True)
class Raw:
    """Bytes that are not an event: output on fd 1/2 that bypassed the harness."""

    data: bytes


Event = Ready | Started | Text | Image | Html | CellDone | Error | Done


def parse_line(line: bytes) -> Event | Raw | None:
    """One line of the event channel (without its newline); None for a line to ignore."""
    try:
        obj = json.loads(line)
    except ValueError:
        return Raw(line + b"\n")
    if not isinstance(obj, dict):
        return Raw(line + b"\n")
    return parse_event(obj)


def parse_event(obj: dict) -> Event | None:
    """The typed event of a decoded JSON object, or None if it is unknown or malformed."""
    kind = obj.get("type")
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    return parser(obj) if parser else None


def _cell(obj: dict) -> int | None:
    value = obj.get("cell")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(obj: dict) -> Text | None:
    data = obj.get("data")
    return Text(obj["type"], _cell(obj), data) if isinstance(data, str) else None


def _image(obj: dict) -> Image | None:
    data = obj.get("data")
    if not isinstance(data, str) or obj.get("mime", "image/png") != "image/png":
        return None
    if not _BASE64.fullmatch(data.encode("ascii", "replace")):
        return None
    return Image(_cell(obj), data)


def _html(obj: dict) -> Html | None:
    data = obj.get("data")
    return Html(_cell(obj), data) if isinstance(data, str) else None


def _error(obj: dict) -> Error:
    kind = "memory" if obj.get("kind") == "memory" else "exception"
    return Error(_cell(obj), kind, _str(obj.get("message")), _str(obj.get("traceback")))


def _versions(value) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in sorted(value.items()) if isinstance(k, str) and isinstance(v, str)}


def _str(value) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


_PARSERS = {
    "ready": lambda obj: Ready(_versions(obj.get("versions")), obj.get("reusable") is True),
    "started": lambda obj: Started(),
    "stdout": _text,
    "stderr": _text,
    "image": _image,
    "html": _html,
    "cell_done": lambda obj: CellDone(_cell(obj)),
    "error": _error,
    "done": lambda obj: Done(),
}
