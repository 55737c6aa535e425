"""End to end in a real headless Chromium: the demo docs built with the Sphinx extension,
served by the real service, cells run in real Docker sandboxes. Each test does what a
reader does (click, type, Shift+Enter, Tab) and checks what a reader sees."""

from __future__ import annotations

import re
import time
import uuid

import pytest

from .browser_support import Reader
from .conftest import IMAGE
from .service import Service, containers

pytestmark = [pytest.mark.docker, pytest.mark.browser]

# plot_camera_threshold: cell 1 prints the image shape, cell 2 prints Otsu's threshold
# and draws a histogram, cell 3 draws the thresholded image.
N_CELLS = 3


def test_edit_and_run_shows_outputs_under_the_edited_cell(reader: Reader):
    r = reader
    r.open()
    assert r.cells.count() == N_CELLS
    marker = f"LG-{uuid.uuid4().hex[:12]}"
    # Cell 2, edited by clicking its code: a marker, a new figure (and no histogram);
    # cell 3 needs `threshold`.
    code = (f'print("{marker}")\n'
            "threshold = 50\n"
            "fig, ax = plt.subplots(figsize=(3, 2))\n"
            "lines = ax.plot([0, 1, 2], [2, 0, 1])")
    r.edit(1, code)
    r.run_with_keyboard()
    assert r.wait_state("done", "error") == "done", r.status.inner_text()
    assert re.fullmatch(r"Done in \d+\.\d s", r.status.inner_text().strip())

    # The marker is under cell 2, and only there.
    out = r.run_output(1)
    assert out.count() == 1 and out.is_visible()
    assert out.locator("pre.livegallery-stdout").inner_text() == marker + "\n"
    for i in (0, 2):
        assert marker not in r.run_output(i).inner_text()
    # The new figure (the histogram was not drawn this time), as a PNG data URL.
    figures = out.locator("img.livegallery-figure")
    assert figures.count() == 1
    assert figures.get_attribute("src").startswith("data:image/png;base64,iVBOR")
    assert figures.get_attribute("alt") == "Figure 1 of cell 2"
    assert figures.evaluate("img => img.complete && img.naturalWidth > 0")
    # The build-time outputs of every cell are hidden, not removed.
    for i in range(N_CELLS):
        olds = r.build_outputs(i)
        assert olds.count() >= 1
        for k in range(olds.count()):
            assert "livegallery-superseded" in olds.nth(k).get_attribute("class")
            assert olds.nth(k).is_hidden()
    # Each other cell got its own output container, with its own output.
    assert r.page.locator("div.livegallery-run-output").count() == N_CELLS
    assert r.run_output(0).locator("pre.livegallery-stdout").inner_text() == "(512, 512) uint8\n"
    assert r.run_output(2).locator("img.livegallery-figure").count() == 1
    assert r.run_output(2).locator("pre").count() == 0
    # Cell 2's output sits under cell 2: after its code, before cell 3.
    assert r.page.evaluate(
        """() => {
            const cell = document.querySelector('[data-livegallery-cell="1"].livegallery-cell');
            const next = document.querySelector('[data-livegallery-cell="2"].livegallery-cell');
            const out = document.querySelector(
                'div.livegallery-run-output[data-livegallery-cell="1"]');
            const after = (a, b) => Boolean(
                a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
            return after(cell, out) && after(out, next);
        }""")
    # The edit is still there, and the other cells were not turned into editors.
    assert r.editor_value(1) == code
    assert r.page.locator(".livegallery-editor").count() == 1
    r.screenshot("browser-after-run.png")
    assert r.errors == []


def test_revert_restores_code_and_build_outputs(reader: Reader):
    r = reader
    r.open()
    originals = [r.original_source(i) for i in range(N_CELLS)]
    assert all(r.visible_code(i).rstrip() == originals[i].rstrip() for i in range(N_CELLS))
    r.edit(0, "import matplotlib.pyplot as plt\nfrom skimage import data\n"
              "from skimage.filters import threshold_otsu\n"
              'image = data.camera()\nprint("edited 0")')
    r.edit(2, 'print("edited 2")', via_button=True)
    r.run_with_keyboard()
    assert r.wait_state("done", "error") == "done", r.status.inner_text()
    assert "edited 2" in r.run_output(2).inner_text()

    r.button("Revert").click()
    assert r.state == "idle"
    assert r.page.locator(".livegallery-editor").count() == 0
    for i in range(N_CELLS):
        assert r.visible_code(i).rstrip() == originals[i].rstrip(), f"cell {i + 1}"
        assert r.run_output(i).count() == 0
        olds = r.build_outputs(i)
        for k in range(olds.count()):
            assert olds.nth(k).is_visible()
            assert "livegallery-superseded" not in olds.nth(k).get_attribute("class")
    assert r.status.inner_text().strip() == ""
    assert "(512, 512) uint8" in r.build_outputs(0).inner_text()

    # Running again runs the original code, not the reverted edits.
    r.button("Run").click()
    assert r.wait_state("done", "error") == "done", r.status.inner_text()
    assert r.run_output(0).inner_text().count("(512, 512) uint8") == 1
    assert "Otsu threshold: 102" in r.run_output(1).inner_text()
    assert "edited" not in r.page.locator("main").inner_text()
    assert r.errors == []


def test_exception_shows_traceback_under_the_failing_cell(reader: Reader):
    r = reader
    r.open()
    r.edit(1, "x = 1\n1 / 0", via_button=True)
    r.run_with_keyboard()
    assert r.wait_state("done", "error") == "error"
    assert r.status.inner_text().strip() == "An exception was raised in cell 2."

    failed = r.run_output(1)
    alert = failed.get_by_role("alert")
    message = alert.locator(".livegallery-error-message").inner_text()
    assert message == "This cell raised an exception:"
    traceback = failed.locator("pre.livegallery-traceback")
    assert traceback.is_visible()
    text = traceback.inner_text()
    assert 'File "<cell 2>", line 2' in text
    assert text.rstrip().endswith("ZeroDivisionError: division by zero")
    assert "harness" not in text  # only the reader's own frames
    # Cell 1 ran; cell 3 did not, and says so.
    assert "(512, 512) uint8" in r.run_output(0).inner_text()
    assert r.run_output(0).locator("pre.livegallery-traceback").count() == 0
    assert r.run_output(2).inner_text().strip().endswith("Not run (an earlier cell failed)")
    assert r.run_output(2).locator("img").count() == 0
    assert r.page.locator("pre.livegallery-traceback").count() == 1
    assert r.errors == []


def test_live_output_and_stop(reader: Reader, site_service):
    r = reader
    owner = site_service.owner
    sessions_before = site_service.health()[1]["sessions"]["live"]  # earlier tests' tabs
    assert len(containers(owner)) == 2 + sessions_before
    r.open()
    r.edit(0, "import time\nprint('tick', flush=True)\nwhile True: time.sleep(0.1)")
    run = r.button("Run")
    run.click()
    # The line shows up while the run is still going, and Run has become Stop.
    r.page.wait_for_function(
        """() => (document.querySelector('div.livegallery-run-output[data-livegallery-cell="0"]')
                  ?.textContent || '').includes('tick')""", timeout=10_000)
    assert r.state == "running"
    assert r.status.inner_text().startswith("Running…")
    assert r.button("Stop").is_visible()
    assert r.button("Run").count() == 0
    assert r.button("Revert").is_disabled()
    assert r.run_output(0).locator("pre.livegallery-stdout").inner_text() == "tick\n"
    assert r.page.locator("div.livegallery-run-output").count() == 1  # nothing for later cells yet

    clicked = time.monotonic()
    r.button("Stop").click()
    assert r.wait_state("done", "error", "idle", timeout=10) == "error"
    took = time.monotonic() - clicked
    assert took < 3, f"Stop took {took:.1f} s (the server should end the run at once)"
    assert r.status.inner_text().strip() == "Run stopped."
    assert r.button("Run").is_visible() and r.button("Stop").count() == 0
    assert r.button("Revert").is_enabled()
    # What was printed stays; the cell says it was stopped; the others were not run.
    out = r.run_output(0)
    assert "tick" in out.inner_text()
    assert "Stopped while running cell 1." in out.inner_text()
    for i in (1, 2):
        assert "Not run (the run was stopped)" in r.run_output(i).inner_text()

    # Stop killed the run, not the tab's session: its container stays, the token is kept
    # for the tab, and the next Run goes to the same sandbox (the token comes back).
    site_service.wait_idle(timeout=30)
    token = r.page.evaluate("sessionStorage.getItem('livegallery-session')")
    live = site_service.health()[1]["sessions"]["live"]
    assert token and live == sessions_before + 1
    assert len(containers(owner)) == 2 + live  # the pool refilled; nothing else left
    r.button("Run").click()
    r.page.wait_for_function(
        """() => (document.querySelector('div.livegallery-run-output[data-livegallery-cell="0"]')
                  ?.textContent || '').includes('tick')""", timeout=10_000)
    r.button("Stop").click()
    assert r.wait_state("done", "error", "idle", timeout=10) == "error"
    assert r.page.evaluate("sessionStorage.getItem('livegallery-session')") == token
    assert r.errors == []


def test_websocket_dropped_falls_back_to_post(reader: Reader):
    r = reader
    upgrades = []

    def drop(ws):  # a proxy that refuses the upgrade
        upgrades.append(ws.url)
        ws.close()

    r.page.route_web_socket("**/api/v1/stream", drop)
    r.open()

    def is_post(q):
        return q.method == "POST" and q.url.endswith("/api/v1/run")
    with r.page.expect_request(is_post) as posted:
        r.button("Run").click()
        assert r.wait_state("done", "error") == "done", r.status.inner_text()
    assert upgrades, "the page never tried the WebSocket"
    assert posted.value.post_data_json["cells"][0] == r.original_source(0)
    assert "(512, 512) uint8" in r.run_output(0).inner_text()
    assert "Otsu threshold: 102" in r.run_output(1).inner_text()
    assert r.run_output(1).locator("img.livegallery-figure").count() == 1
    assert r.run_output(2).locator("img.livegallery-figure").count() == 1
    assert r.errors == []


def test_backend_gone_says_runner_unavailable(new_reader, built_site):
    # A service of its own (no pool, so nothing to warm up), stopped under the reader.
    with Service(image=IMAGE, static_dir=built_site, pool_size=0, preload="",
                 timeout=8) as service:
        r = new_reader(service)
        r.open()
        service.stop()
        r.button("Run").click()
        assert r.wait_state("done", "error") == "error"
        assert re.search(r"unavailable|unreachable", r.status.inner_text(), re.I), \
            r.status.inner_text()
        assert r.button("Run").is_visible()
        # Nothing new to show, so the build-time outputs stay in view.
        assert r.page.locator("div.livegallery-run-output").count() == 0
        assert r.build_outputs(0).is_visible()


def test_keyboard_tab_to_run_and_enter(reader: Reader):
    r = reader
    r.open()
    # Start from the example's title, as a reader who clicked into the text would.
    r.page.locator("main h1").first.click()
    run = r.button("Run")
    for _ in range(30):
        r.page.keyboard.press("Tab")
        if run.evaluate("b => b === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the Run button")
    assert run.evaluate("b => b.matches(':focus-visible')")
    r.page.keyboard.press("Enter")
    assert r.wait_state("running", "done", "error") in ("running", "done")
    assert r.wait_state("done", "error") == "done", r.status.inner_text()
    # Focus stayed on the button (Run, then Stop, then Run again).
    assert run.evaluate("b => b === document.activeElement")
    assert "Otsu threshold: 102" in r.run_output(1).inner_text()
    assert r.errors == []
