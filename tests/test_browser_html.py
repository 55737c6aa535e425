"""HTML outputs in a real headless Chromium: each one in a sandboxed iframe that cannot
reach the page, sized by its own height messages only, and plotly figures drawn with the
plotly.js the site serves from node_modules (livegallery_plotly_path)."""

from __future__ import annotations

import json

import pytest

from .browser_support import Reader
from .service import ROOT

pytestmark = [pytest.mark.docker, pytest.mark.browser]

PLOTLY_JS_VERSION = json.loads(
    (ROOT / "node_modules" / "plotly.js-dist-min" / "package.json").read_text())["version"]

#: Tries everything an untrusted output must not be able to do, and says what happened.
HOSTILE = """
<div id="out" style="height: 100px">waiting</div>
<script>
  const tried = [];
  const attempt = (name, fn) => { try { fn(); tried.push(name + ':done'); }
                                   catch (e) { tried.push(name + ':' + e.name); } };
  attempt('parent', () => parent.document.body.setAttribute('data-pwned', '1'));
  attempt('top', () => { top.document.title = 'pwned'; });
  attempt('storage', () => localStorage.setItem('pwned', '1'));
  attempt('cookie', () => { document.cookie = 'pwned=1'; });
  parent.postMessage({ livegalleryFrameHeight: 5 }, '*');  // the frame may size itself ...
  const out = document.getElementById('out');
  out.textContent = tried.join(' ');
  setTimeout(() => { out.style.height = '300px'; }, 100);  // ... and grow later
</script>
"""

PLOTLY = """
<div id="pg" class="plotly-graph-div" style="height:320px; width:100%"></div>
<script>Plotly.newPlot("pg", [{"x": [1, 2, 3], "y": [3, 1, 2], "type": "scatter"}], {});</script>
"""


def html_cell(html: str) -> str:
    """A cell whose trailing expression shows `html` through _repr_html_."""
    return "\n".join(["class Html:",
                      "    def _repr_html_(self): return self.html",
                      f"out = Html(); out.html = {html!r}",
                      "out"])


def test_html_output_is_sandboxed_and_cannot_reach_the_page(reader: Reader):
    r = reader
    r.open()
    title = r.page.title()
    r.edit(2, paste=True, code=html_cell(HOSTILE))
    r.button("Run").click()
    assert r.wait_state("done", "error") == "done", r.status.inner_text()
    frame_el = r.run_output(2).locator("iframe.livegallery-html")
    assert frame_el.count() == 1
    frame = r.page.frame_locator("div.livegallery-run-output iframe.livegallery-html")
    report = frame.locator("#out")
    report.wait_for()
    text = report.inner_text()
    assert "parent:SecurityError" in text and "top:SecurityError" in text
    assert "storage:SecurityError" in text and "cookie:SecurityError" in text
    assert r.page.evaluate("document.body.hasAttribute('data-pwned')") is False
    assert r.page.title() == title
    assert frame_el.evaluate("f => f.contentDocument") is None  # an opaque origin
    assert frame_el.get_attribute("sandbox") == "allow-scripts"
    assert frame_el.get_attribute("title") == "HTML output 1 of cell 3"
    # The frame follows its content's height (300 px + padding) as it changes, once in
    # view (Chromium defers the rendering of cross-origin frames out of view).
    frame_el.scroll_into_view_if_needed()
    r.page.wait_for_function("f => f.getBoundingClientRect().height >= 300",
                             arg=frame_el.element_handle())
    height = frame_el.evaluate("f => f.getBoundingClientRect().height")
    assert 300 <= height <= 320
    # A height message from anything but the frame's own window is ignored.
    r.page.evaluate("window.postMessage({livegalleryFrameHeight: 4000}, '*')")
    r.page.wait_for_timeout(200)
    assert frame_el.evaluate("f => f.getBoundingClientRect().height") == height
    # Nothing of the output reached the page's DOM as markup.
    assert r.page.locator("body > #out, .livegallery-run-output #out").count() == 0
    assert r.errors == []


def test_plotly_figure_is_drawn_with_the_configured_plotly_js(reader: Reader):
    r = reader
    r.open()
    r.edit(2, paste=True, code=html_cell(PLOTLY))
    r.button("Run").click()
    assert r.wait_state("done", "error") == "done", r.status.inner_text()
    frame = r.page.frame_locator("div.livegallery-run-output iframe.livegallery-html")
    frame.locator("#pg .main-svg").first.wait_for(timeout=20_000)
    assert frame.locator("#pg .scatterlayer .trace").count() == 1
    # plotly.js came from the site (node_modules), by an absolute URL.
    script = frame.locator("script[src]")
    assert script.get_attribute("src") == f"{r.service.url}/_static/plotly/plotly.min.js"
    assert script.evaluate("el => window.Plotly.version") == PLOTLY_JS_VERSION
    frame_el = r.run_output(2).locator("iframe.livegallery-html")
    r.page.wait_for_function("f => f.getBoundingClientRect().height >= 320",
                             arg=frame_el.element_handle())
    r.screenshot("browser-plotly-output.png")
    frame_el.screenshot(path=str(ROOT / "tests" / "artifacts" / "plotly-frame.png"))
    assert r.errors == []


def test_plotly_express_figure_from_the_sandbox_is_drawn(reader: Reader):
    r = reader
    status, probe = r.service.run(["import plotly"])
    if not probe.get("ok"):
        # the default image serves scikit-image's whole gallery, plotly included
        pytest.fail(f"the sandbox image has no plotly: {probe.get('error')}")
    r.open()
    r.edit(2, paste=True, code="import plotly.express as px\n"
                       "fig = px.bar(x=['a', 'b', 'c'], y=[1, 3, 2])\n"
                       "fig.show()")
    r.button("Run").click()
    assert r.wait_state("done", "error") == "done", r.status.inner_text()
    frame = r.page.frame_locator("div.livegallery-run-output iframe.livegallery-html")
    frame.locator(".plotly-graph-div .main-svg").first.wait_for(timeout=20_000)
    assert frame.locator(".plotly-graph-div .barlayer .point").count() == 3
    assert r.errors == []


def test_matplotlib_animation_plays_in_its_frame(reader: Reader):
    r = reader
    r.open()
    r.edit(2, paste=True, code="from matplotlib.animation import FuncAnimation\n"
                       "fig, ax = plt.subplots(figsize=(2, 2))\n"
                       "line, = ax.plot([0, 1], [0, 0])\n"
                       "ani = FuncAnimation(fig, lambda i: line.set_ydata([0, i]), frames=4)")
    r.button("Run").click()
    assert r.wait_state("done", "error") == "done", r.status.inner_text()
    out = r.run_output(2)
    assert out.locator("img.livegallery-figure").count() == 0  # not a still
    frame = r.page.frame_locator("div.livegallery-run-output iframe.livegallery-html")
    image = frame.locator("img[id^='_anim_img']")
    image.wait_for()
    first = image.get_attribute("src")
    assert first.startswith("data:image/png;base64,")
    # matplotlib's JavaScript player works in the sandbox: step to the next frame.
    frame.locator("input[type='range']").fill("2")
    assert image.get_attribute("src") != first
    # matplotlib's player links Font Awesome from a CDN (on the built page too); this
    # machine is offline, so that stylesheet is the one thing that may fail.
    assert all("font-awesome" in e for e in r.errors), r.errors
