"""Rich outputs through the real service and the real image: html reprs as capture_repr
asks, matplotlib animations, plotly figures, and figures or html over their caps left out
with a note while the run goes on."""

from __future__ import annotations

import asyncio
import json
import textwrap

import aiohttp
import pytest

from .conftest import IMAGE
from .service import Service

pytestmark = pytest.mark.docker

#: A figure whose PNG is ~440 kB (base64) at compression level 1 and ~300 kB at
#: matplotlib's default level: a cap between the two takes the second encoding.
GRADIENT = """
import numpy as np, matplotlib.pyplot as plt
fig = plt.figure(figsize=(6, 6))
plt.imshow(np.sin(np.add.outer(np.arange(600), np.arange(600)) / 7.0), cmap="twilight")
"""
MEASURE = GRADIENT + """
import io
sizes = []
for kw in ({"pil_kwargs": {"compress_level": 1}}, {}):
    b = io.BytesIO(); fig.savefig(b, format="png", **kw); sizes.append(len(b.getvalue()))
plt.close("all")
print(sizes)
"""


@pytest.fixture(scope="module")
def rich_service():
    service = Service(image=IMAGE, pool_size=1, preload="matplotlib.pyplot", timeout=60)
    service.start()
    yield service
    service.stop()


def run(service, *cells):
    status, body = service.run([textwrap.dedent(c) for c in cells])
    assert status == 200, body
    return body


def test_repr_html_is_an_html_output_and_repr_the_fallback(rich_service):
    body = run(rich_service, """
        class Table:
            def _repr_html_(self):
                return "<table><tr><td>cell</td></tr></table>"
        Table()
    """, """
        class NoHtml:
            def _repr_html_(self):
                return None
            def __repr__(self):
                return "NoHtml()"
        NoHtml()
    """, """
        class Broken:
            def _repr_html_(self):
                raise RuntimeError("no html")
        Broken.__repr__ = lambda self: "Broken()"
        Broken()
    """, "print('x')")
    assert body["ok"], body
    html = [c["html"] for c in body["cells"]]
    assert html == [["<table><tr><td>cell</td></tr></table>"], [], [], []]
    assert [c["stdout"] for c in body["cells"]] == ["", "NoHtml()\n", "Broken()\n", "x\n"]


def test_figure_before_the_html_repr_of_the_same_cell(rich_service):
    cell = """
        import matplotlib.pyplot as plt
        plt.plot([1, 2])
        class Html:
            def _repr_html_(self):
                return "<p>after the figure</p>"
        Html()
    """

    async def events():
        url = rich_service.url.replace("http://", "ws://") + "/api/v1/stream"
        async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
            await ws.send_json({"cells": [textwrap.dedent(cell)], "done": "summary"})
            return [json.loads(m.data) async for m in ws]

    got = asyncio.run(events())
    assert [e["type"] for e in got] == ["image", "html", "cell_done", "done"]
    assert got[1] == {"type": "html", "cell": 0, "data": "<p>after the figure</p>"}
    assert isinstance(got[-1]["result"]["session"], str)  # the reader's session token
    assert got[-1]["result"] == {"ok": True, "error": None, "cells_reported": 1,
                                 "duration_ms": got[-1]["result"]["duration_ms"],
                                 "session": got[-1]["result"]["session"]}


def test_animation_is_javascript_html_not_a_still(rich_service):
    body = run(rich_service, """
        import matplotlib.pyplot as plt
        from matplotlib.animation import FuncAnimation
        fig, ax = plt.subplots(figsize=(2, 2))
        line, = ax.plot([0, 1], [0, 0])
        ani = FuncAnimation(fig, lambda i: line.set_ydata([0, i]), frames=3)
        plt.figure()  # an ordinary figure beside it stays a PNG
    """, "print('next')")
    assert body["ok"], body
    cell = body["cells"][0]
    assert len(cell["images"]) == 1 and len(cell["html"]) == 1
    assert "Animation" in cell["html"][0] and cell["html"][0].count("data:image/png") == 3
    assert body["cells"][1]["stdout"] == "next\n"


def test_plotly_figures_and_pandas_frames_are_html(rich_service):
    probe = run(rich_service, "import plotly, pandas")
    if not probe["ok"]:
        # the default image serves scikit-image's whole gallery, plotly and pandas included
        pytest.fail(f"{IMAGE} has no plotly or pandas: {probe['error']['message']}")
    body = run(rich_service, """
        import plotly.express as px
        fig = px.scatter(x=[1, 2, 3], y=[3, 1, 2])
        fig.show()
    """, "fig", """
        import pandas as pd
        pd.DataFrame({"a": [1, 2]})
    """)
    assert body["ok"], body
    shown, last, frame = (c["html"] for c in body["cells"])
    for html in shown + last:
        assert 'class="plotly-graph-div"' in html and "Plotly.newPlot" in html
        assert "<script src" not in html and "cdn.plot.ly" not in html  # the page loads plotly.js
    assert len(shown) == len(last) == 1
    assert len(frame) == 1 and 'class="dataframe"' in frame[0]
    assert body["cells"][0]["stdout"] == body["cells"][0]["stderr"] == ""


def test_oversized_outputs_are_left_out_with_a_note_and_the_run_goes_on(rich_service):
    measured = run(rich_service, MEASURE)
    fast, default = (4 * n // 3 + 4 for n in json.loads(measured["cells"][0]["stdout"]))
    assert default < fast
    cap = (fast + default) // 2
    service = Service(image=IMAGE, pool_size=0, preload="", timeout=60,
                      max_image_bytes=cap, max_html_bytes=1000)
    service.start()
    try:
        body = run(service, GRADIENT, """
            import numpy as np, matplotlib.pyplot as plt
            plt.figure(figsize=(8, 8))
            plt.plot([0, 1])
            plt.figure(figsize=(8, 8))
            plt.imshow(np.random.default_rng(0).random((800, 800)))
        """, """
            class Big:
                def _repr_html_(self):
                    return "<p>" + "x" * 5000 + "</p>"
            Big()
        """, "print('still running')")
    finally:
        service.stop()
    assert body["ok"], body
    gradient, noise, big, last = body["cells"]
    # Over the cap at level 1, under it at the default level: kept.
    assert len(gradient["images"]) == 1 and gradient["stderr"] == ""
    assert default - 8 <= len(gradient["images"][0]["data"]) <= default
    # The noise figure cannot fit: left out, named by its place in the cell.
    assert len(noise["images"]) == 1
    assert noise["stderr"] == (f"livegallery: Figure 2 of this cell was larger than "
                               f"{cap:,} bytes as a PNG and is not shown.\n")
    assert big["html"] == [] and "larger than 1,000 bytes of HTML" in big["stderr"]
    assert last["stdout"] == "still running\n"


def test_capture_repr_setting_is_what_the_last_expression_shows():
    service = Service(image=IMAGE, pool_size=0, preload="", timeout=30, capture_repr="__repr__")
    service.start()
    try:
        body = run(service, """
            class Both:
                def _repr_html_(self):
                    return "<b>html</b>"
                def __repr__(self):
                    return "Both()"
            Both()
        """)
    finally:
        service.stop()
    assert body["ok"], body
    assert body["cells"][0]["html"] == [] and body["cells"][0]["stdout"] == "Both()\n"
