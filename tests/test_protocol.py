"""The harness-to-service protocol (backend/protocol.py) and the run result it feeds:
forged, malformed and unknown lines, caps, and the stream's short ``done``. No Docker."""

from __future__ import annotations

import json

import pytest

from livegallery.backend import protocol as p
from livegallery.backend.config import Settings
from livegallery.backend.results import LimitExceeded, RunResult, summary


def line(obj) -> bytes:
    return json.dumps(obj).encode()


@pytest.mark.parametrize("obj, expected", [
    ({"type": "ready"}, p.Ready()),
    ({"type": "started"}, p.Started()),
    ({"type": "stdout", "cell": 1, "data": "hi\n"}, p.Text("stdout", 1, "hi\n")),
    ({"type": "stderr", "cell": 0, "data": ""}, p.Text("stderr", 0, "")),
    ({"type": "image", "cell": 2, "mime": "image/png", "data": "iVBO+/=="},
     p.Image(2, "iVBO+/==")),
    ({"type": "html", "cell": 0, "data": "<b>x</b>"}, p.Html(0, "<b>x</b>")),
    ({"type": "cell_done", "cell": 3}, p.CellDone(3)),
    ({"type": "error", "cell": 0, "kind": "memory", "message": "MemoryError",
      "traceback": "tb"}, p.Error(0, "memory", "MemoryError", "tb")),
    ({"type": "done"}, p.Done()),
])
def test_every_event_type_parses(obj, expected):
    assert p.parse_line(line(obj)) == expected


@pytest.mark.parametrize("obj", [
    {"type": "stdout", "cell": 0, "data": 5},            # data of the wrong type
    {"type": "stdout", "cell": 0},                        # no data
    {"type": "html", "cell": 0, "data": ["<b>"]},
    {"type": "image", "cell": 0, "data": "x\" onerror=alert(1) \""},  # not base64
    {"type": "image", "cell": 0, "mime": "text/html", "data": "PGI+"},  # not a PNG
    {"type": "image", "cell": 0, "data": 7},
    {"type": "sparkle", "cell": 0, "data": "?"},           # unknown type
    {"type": ["stdout"], "data": "x"},
    {"data": "no type"},
])
def test_forged_or_malformed_events_are_ignored(obj):
    assert p.parse_line(line(obj)) is None


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b"\"text\"", b"42", b"{broken"])
def test_lines_that_are_not_objects_are_raw_output(raw):
    assert p.parse_line(raw) == p.Raw(raw + b"\n")


def test_bad_cells_are_none_and_error_fields_are_strings():
    assert p.parse_line(line({"type": "cell_done", "cell": True})) == p.CellDone(None)
    assert p.parse_line(line({"type": "stdout", "cell": "1", "data": "x"})).cell is None
    error = p.parse_line(line({"type": "error", "kind": "root", "message": 3}))
    assert error == p.Error(None, "exception", "3", "")


def test_result_assembles_outputs_and_returns_what_to_stream():
    result = RunResult(Settings(), ncells=2)
    sent = []
    for event in [p.Text("stdout", 0, "a\n"), p.Html(0, "<i>t</i>"), p.CellDone(0),
                  p.Image(1, "iVBO"), p.Text("stderr", 99, "w\n"), p.CellDone(1)]:
        sent += result.record(event)
    assert [e["type"] for e in sent] == ["stdout", "html", "cell_done", "image", "stderr",
                                         "cell_done"]
    assert sent[4]["cell"] == 1  # an out-of-range cell is the running one
    body = result.as_json(1.0)
    assert body["cells"] == [
        {"stdout": "a\n", "stderr": "", "images": [], "html": ["<i>t</i>"]},
        {"stdout": "", "stderr": "w\n", "images": [{"mime": "image/png", "data": "iVBO"}],
         "html": []}]


def test_oversized_figure_or_html_is_dropped_with_a_note_and_the_run_goes_on():
    result = RunResult(Settings(max_image_bytes=8, max_html_bytes=5), ncells=2)
    sent = result.record(p.Image(0, "A" * 12)) + result.record(p.Html(0, "<p>toolong</p>"))
    sent += result.record(p.Html(1, "<p>"))
    assert [e["type"] for e in sent] == ["stderr", "stderr", "html"]
    cell = result.as_json(1.0)["cells"][0]
    assert cell["images"] == [] and cell["html"] == []
    assert "larger than 8 bytes and is not shown" in cell["stderr"]
    assert "An HTML output of 14 bytes would take this run past 5 bytes" in cell["stderr"]
    assert result.error is None


def test_too_many_html_outputs_end_the_run():
    result = RunResult(Settings(max_html=2), ncells=1)
    result.record(p.Html(0, "1"))
    result.record(p.Html(0, "2"))
    with pytest.raises(LimitExceeded, match="HTML outputs"):
        result.record(p.Html(0, "3"))


def test_error_event_fails_the_run_and_streams_nothing():
    result = RunResult(Settings(), ncells=2)
    assert result.record(p.Error(1, "exception", "ValueError: x", "tb")) == []
    assert result.error == {"kind": "exception", "message": "ValueError: x",
                            "traceback": "tb", "cell": 1}


def test_summary_drops_the_streamed_outputs_only():
    result = RunResult(Settings(), ncells=3)
    result.record(p.Text("stdout", 0, "x\n"))
    result.record(p.CellDone(0))
    result.fail("exception", "E", "tb", 1)
    full = result.as_json(5.0)
    short = summary(full)
    assert short == {"ok": False, "error": full["error"], "duration_ms": 5.0,
                     "cells_reported": 2}
    assert "cells" in full  # the POST answer keeps everything


def test_html_bytes_are_capped_per_run():
    result = RunResult(Settings(max_html_bytes=10), ncells=1)
    sent = [result.record(p.Html(0, h))[0]["type"] for h in ("1234", "5678", "abc", "xy")]
    assert sent == ["html", "html", "stderr", "html"]  # "abc" would pass 10, "xy" fits
    assert result.as_json(1.0)["cells"][0]["html"] == ["1234", "5678", "xy"]


async def test_event_lines_split_across_chunks_are_joined():
    """The attach stream cuts lines anywhere; a megabyte html event arrives whole."""
    from types import SimpleNamespace

    from livegallery.backend.events import EventStream

    big = line({"type": "html", "cell": 0, "data": "x" * 1_000_000}) + b"\n"
    data = line({"type": "ready"}) + b"\n" + big + b"junk\n"
    chunks = [data[i:i + 65536] for i in range(0, len(data), 65536)]

    class Stream:
        async def read_out(self):
            return SimpleNamespace(stream=1, data=chunks.pop(0)) if chunks else None

    ended = []
    stream = EventStream(Stream(), 10 * len(data), "x" * 12, lambda: ended.append(True))
    await stream.task
    events = [stream.queue.get_nowait() for _ in range(stream.queue.qsize())]
    assert ended == [True]
    assert events[:3] == [p.Ready(), p.Html(0, "x" * 1_000_000), p.Raw(b"junk\n")]
