"""Readers keep, share, download and compare their edits: in a real headless Chromium on
the demo docs (pydata-sphinx-theme), served by the real service, runs in real Docker.

Screenshots of each state (edited mark, from-link mark, compare toggle on, link too
long), light and dark, go to tests/artifacts/edits-<state>-<mode>.png."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from .browser_support import EXAMPLE, Reader
from .theme_support import init_script

pytestmark = [pytest.mark.docker, pytest.mark.browser]

MODES = ("light", "dark")
N_CELLS = 3
EDITS_KEYS_JS = ("Object.keys(localStorage).filter(k => k.startsWith('livegallery:edits:'))"
                 ".sort()")


@pytest.fixture
def open_reader(new_reader, site_service):
    """Make readers, each in a fresh browser context (its own storage), light or dark."""

    def make(mode: str = "light", permissions: list[str] | None = None,
             script: str = "") -> Reader:
        site_service.wait_idle(timeout=60)
        return new_reader(site_service, color_scheme=mode,
                          init_script=init_script("pydata_sphinx_theme", mode) + script,
                          permissions=permissions or [], accept_downloads=True)
    return make


def stored(r: Reader) -> dict:
    """This browser's kept edits: {key: value} of livegallery's entries."""
    return r.page.evaluate(f"Object.fromEntries({EDITS_KEYS_JS}.map(k => [k, localStorage[k]]))")


def wait_stored(r: Reader, count: int = 1) -> dict:
    r.page.wait_for_function(f"{EDITS_KEYS_JS}.length === {count}", timeout=5_000)
    return stored(r)


def mark(r: Reader, i: int):
    return r.cell(i).locator(":scope > .livegallery-mark")


def message(r: Reader):
    return r.page.locator(".livegallery-toolbar .livegallery-message")


def set_code(r: Reader, i: int, code: str) -> None:
    """Open cell i's editor and set its code through Ace (for code too long to type)."""
    r.cell(i).locator("div.highlight pre").click()
    editor = r.cell(i).locator(".livegallery-editor")
    editor.wait_for(state="visible")
    editor.evaluate("(el, code) => window.ace.edit(el).setValue(code, 1)", code)


def shot(r: Reader, name: str, mode: str) -> None:
    r.screenshot(f"edits-{name}-{mode}.png")


def assert_original(r: Reader, i: int) -> None:
    assert r.cell(i).locator(".livegallery-editor").count() == 0, f"cell {i + 1} is still edited"
    assert r.visible_code(i).rstrip() == r.original_source(i).rstrip()
    assert mark(r, i).count() == 0


# -- kept in this browser ----------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_edits_survive_a_reload_marked_until_revert(open_reader, mode):
    r = open_reader(mode)
    r.open()
    assert stored(r) == {}
    code = 'threshold = 80\nprint("kept", threshold)'
    r.edit(1, code)
    assert mark(r, 1).inner_text() == "Edited"
    entries = wait_stored(r)
    [(key, value)] = entries.items()
    assert re.fullmatch(r"livegallery:edits:v1:/auto_examples/plot_camera_threshold\.html:"
                        r"[0-9a-f]{16}", key), key
    assert json.loads(value) == {"v": 1, "cells": {"1": code}}

    r.page.reload()
    r.wait_state("idle")
    editor = r.cell(1).locator(".livegallery-editor")
    editor.wait_for(state="visible")
    assert r.editor_value(1) == code
    assert mark(r, 1).inner_text() == "Edited"
    assert mark(r, 1).is_visible()
    assert r.cell(1).get_attribute("data-livegallery-edited") == "local"
    assert editor.get_attribute("aria-description") == "Edited"
    assert "kept in this browser" in message(r).inner_text()
    # Only the edited cell was opened, and focus was not taken from the reader.
    for i in (0, 2):
        assert_original(r, i)
    assert r.page.evaluate("document.activeElement === document.body")
    shot(r, "edited", mode)

    # The kept edit is what runs.
    r.button("Run").click()
    assert r.wait_state("done", "error") == "done", r.status.inner_text()
    assert r.run_output(1).locator("pre.livegallery-stdout").inner_text() == "kept 80\n"

    # Putting the original back unmarks the cell and forgets the entry.
    r.cell(1).locator(".livegallery-editor").evaluate(
        "(el, code) => window.ace.edit(el).setValue(code, 1)", r.original_source(1))
    r.page.wait_for_function(f"{EDITS_KEYS_JS}.length === 0", timeout=5_000)
    assert mark(r, 1).count() == 0

    # Revert forgets the kept edits: after a reload the page is as published.
    r.edit(0, 'print("again")')
    wait_stored(r)
    r.button("Revert").click()
    assert stored(r) == {}
    assert mark(r, 0).count() == 0
    assert message(r).is_hidden()
    r.page.reload()
    r.wait_state("idle")
    r.page.wait_for_timeout(500)  # time for a (wrong) restore to show up
    for i in range(N_CELLS):
        assert_original(r, i)
    assert r.errors == []


def test_stale_edits_of_a_rebuilt_example_are_not_applied(open_reader):
    r = open_reader()
    r.open()
    r.edit(0, 'print("edit of the old version")')
    [old_key] = wait_stored(r)

    # The example is rebuilt with changed code in cell 3: the page now carries another
    # original source for it (served through a route, as a new build would serve it).
    new_source = 'print("the example changed")\n'
    import base64
    encoded = base64.b64encode(new_source.encode()).decode()

    def rebuilt(route):
        html = route.fetch().text()
        html, n = re.subn(r'(data-livegallery-cell="2" data-livegallery-source=")[^"]*"',
                          rf'\g<1>{encoded}"', html)
        assert n == 1
        route.fulfill(body=html, content_type="text/html")

    r.page.route(f"**/{EXAMPLE}", rebuilt)
    r.page.reload()
    r.wait_state("idle")
    assert r.original_source(2) == new_source
    r.page.wait_for_timeout(500)
    for i in range(N_CELLS):
        assert r.cell(i).locator(".livegallery-editor").count() == 0, f"cell {i + 1}"
        assert mark(r, i).count() == 0
    assert message(r).is_hidden()
    # The old version's entry is gone, not just ignored.
    assert old_key not in stored(r)
    assert stored(r) == {}

    # Without the rebuild (the same sources), the same entry would have been applied.
    r.page.unroute(f"**/{EXAMPLE}")
    r.page.reload()
    r.wait_state("idle")
    r.edit(0, 'print("edit of the old version")')
    wait_stored(r)
    r.page.reload()
    r.wait_state("idle")
    mark(r, 0).wait_for()
    assert r.errors == []


def test_disabled_storage_does_not_break_the_page(open_reader):
    # As with site data blocked: reading window.localStorage throws a SecurityError.
    script = """
      Object.defineProperty(window, 'localStorage', {configurable: true, get() {
        throw new DOMException('Access is denied for this document.', 'SecurityError'); }});
    """
    r = open_reader(script=script)
    r.open()
    r.edit(1, 'threshold = 10\nprint("no storage")')
    assert mark(r, 1).inner_text() == "Edited"
    message(r).wait_for()
    assert "lost on reload" in message(r).inner_text()
    r.run_with_keyboard()
    assert r.wait_state("done", "error") == "done", r.status.inner_text()
    assert "no storage" in r.run_output(1).inner_text()
    r.button("Revert").click()
    assert_original(r, 1)
    # The theme's own scripts do not catch it (their errors, not ours: had ours thrown,
    # the page would not have reached "idle" nor marked the cell).
    assert all("Access is denied" in e or "pydata-sphinx-theme.js" in e for e in r.errors), \
        r.errors


def test_full_storage_says_edits_are_not_kept(open_reader):
    script = """
      const setItem = Storage.prototype.setItem;
      Storage.prototype.setItem = function (key, value) {
        // Full for our entries (the theme's own small ones still fit).
        if (String(key).startsWith('livegallery:'))
          throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return setItem.call(this, key, value); };
    """
    r = open_reader(script=script)
    r.open()
    r.edit(1, 'threshold = 10\nprint("too big to keep")')
    message(r).wait_for()
    assert "storage for this site is full" in message(r).inner_text()
    assert mark(r, 1).inner_text() == "Edited"
    assert r.errors == []


# -- shared as a link --------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_copy_link_opens_the_same_edits_elsewhere(open_reader, mode):
    sender = open_reader(mode, permissions=["clipboard-read", "clipboard-write"])
    sender.open()
    edits = {0: 'import matplotlib.pyplot as plt\nfrom skimage import data\n'
                'from skimage.filters import threshold_otsu\nimage = data.camera()[::2, ::2]\n'
                'print("shared", image.shape)',
             2: 'print("é ✓ # %% \\"quoted\\"")'}
    for i, code in edits.items():
        set_code(sender, i, code)
    sender.button("Copy link").click()
    message(sender).get_by_text("copied to the clipboard").wait_for()
    assert "edits (2 cells)" in message(sender).inner_text()
    link = sender.page.evaluate("navigator.clipboard.readText()")
    page_url = f"{sender.service.url}/{EXAMPLE}"
    assert link.startswith(page_url + "#livegallery=")
    assert re.fullmatch(r"[A-Za-z0-9_-]+", link.split("#livegallery=", 1)[1])
    assert "shared" not in link  # compressed, not spelled out

    # A colleague opens it: a fresh context, nothing stored, nothing on the server.
    reader = open_reader(mode)
    with reader.page.expect_request(lambda q: q.url.split("#")[0] == page_url) as asked:
        reader.page.goto(link)
    assert "#" not in asked.value.url  # the fragment never reaches the server
    reader.wait_state("idle")
    for i, code in edits.items():
        mark(reader, i).wait_for()
        assert mark(reader, i).inner_text() == "From a link"
        assert reader.cell(i).get_attribute("data-livegallery-edited") == "link"
        assert reader.editor_value(i) == code
        assert reader.cell(i).locator(".livegallery-editor").get_attribute(
            "aria-description") == "Edited, from a link"
    assert_original(reader, 1)
    assert "Showing edits from a link" in message(reader).inner_text()
    assert stored(reader) == {}  # opening a link keeps nothing until the reader edits
    shot(reader, "from-link", mode)

    reader.button("Run").click()
    assert reader.wait_state("done", "error") == "done", reader.status.inner_text()
    assert reader.run_output(0).locator("pre.livegallery-stdout").inner_text() == \
        "shared (256, 256)\n"

    # The original is one Revert away, and the address no longer carries the edits.
    reader.button("Revert").click()
    for i in range(N_CELLS):
        assert_original(reader, i)
    assert reader.page.evaluate("location.hash") == ""
    reader.page.reload()
    reader.wait_state("idle")
    reader.page.wait_for_timeout(500)
    assert_original(reader, 0)
    assert sender.errors == [] and reader.errors == []


def test_copy_link_falls_back_to_a_field_when_the_clipboard_is_denied(open_reader):
    script = ("navigator.clipboard.writeText = () => Promise.reject("
              "new DOMException('Write permission denied.', 'NotAllowedError'));")
    r = open_reader(script=script)
    r.open()
    r.edit(1, 'print("via the field")')
    r.button("Copy link").click()
    field = r.page.get_by_role("textbox", name="Link to these edits")
    field.wait_for()
    assert "did not allow copying" in message(r).inner_text()
    link = field.input_value()
    assert link.startswith(f"{r.service.url}/{EXAMPLE}#livegallery=")
    # Focused and selected, ready for Ctrl+C.
    assert field.evaluate("f => document.activeElement === f && f.selectionStart === 0 "
                          "&& f.selectionEnd === f.value.length")
    other = open_reader()
    other.page.goto(link)
    other.wait_state("idle")
    mark(other, 1).wait_for()
    assert other.editor_value(1) == 'print("via the field")'
    # Editing on top of a link: the reader's edits (the link's included) are kept, and
    # the address drops the link's, so a reload shows what the reader has now.
    set_code(other, 2, 'print("mine")')
    other.page.wait_for_function("location.hash === ''")
    [value] = wait_stored(other).values()
    assert json.loads(value)["cells"] == {"1": 'print("via the field")', "2": 'print("mine")'}
    other.page.reload()
    other.wait_state("idle")
    mark(other, 2).wait_for()
    assert other.editor_value(1) == 'print("via the field")'
    assert mark(other, 1).inner_text() == mark(other, 2).inner_text() == "Edited"
    assert r.errors == [] and other.errors == []


@pytest.mark.parametrize("mode", MODES)
def test_too_long_link_is_refused_with_a_message(open_reader, mode):
    r = open_reader(mode, permissions=["clipboard-read", "clipboard-write"])
    r.open()
    r.page.evaluate("navigator.clipboard.writeText('before')")
    # Random text does not compress: about 9,000 characters make a link over 8,000.
    noise = r.page.evaluate("""() => {
        const bytes = crypto.getRandomValues(new Uint8Array(6800));
        return btoa(String.fromCharCode(...bytes)); }""")
    set_code(r, 0, f'data = "{noise}"\nprint(len(data))')
    r.button("Copy link").click()
    message(r).get_by_text("Use Download").wait_for()
    text = message(r).inner_text()
    assert re.search(r"a link of [\d,]+ characters, more than the 8,000", text), text
    assert message(r).get_attribute("data-kind") == "error"
    assert r.page.evaluate("navigator.clipboard.readText()") == "before"
    assert r.page.locator(".livegallery-link-field").count() == 0
    shot(r, "link-too-long", mode)
    assert r.errors == []


def test_malformed_link_is_ignored_with_a_notice(open_reader):
    r = open_reader()
    for fragment in ("livegallery=%%%not-base64", "livegallery=AAAA", "livegallery="):
        r.page.goto(f"{r.service.url}/{EXAMPLE}#{fragment}")
        r.page.reload()  # a new document each time, not a jump within one
        r.wait_state("idle")
        message(r).get_by_text("could not be read").wait_for()
        assert message(r).get_attribute("data-kind") == "warning"
        for i in range(N_CELLS):
            assert_original(r, i)
    # An ordinary anchor is not ours: no notice.
    r.page.goto(f"{r.service.url}/{EXAMPLE}#thresholding-the-camera-image")
    r.page.reload()
    r.wait_state("idle")
    assert message(r).is_hidden()
    assert r.errors == []


# -- downloaded as a .py ------------------------------------------------------------------


def test_download_holds_the_edits_and_runs_as_is(open_reader, site_service, tmp_path):
    from sphinx_gallery.py_source_parser import split_code_and_text_blocks

    r = open_reader()
    r.open()
    marker = f"LG-{uuid.uuid4().hex[:10]}"
    edited = f'threshold = 90\nprint("{marker}", threshold)'
    r.edit(1, edited)
    with r.page.expect_download() as waiting:
        r.button("Download").click()
    download = waiting.value
    assert download.suggested_filename == "plot_camera_threshold.py"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert "Downloaded plot_camera_threshold.py" in message(r).inner_text()

    # sphinx-gallery's own parser reads it: the title docstring, then our three cells.
    _, blocks = split_code_and_text_blocks(str(path))
    assert blocks[0].type == "text"
    assert blocks[0].content.strip().splitlines()[:2] == ["Thresholding the camera image",
                                                  "=" * len("Thresholding the camera image")]
    assert "Otsu’s method picks the threshold" in blocks[0].content
    codes = [b.content.strip() for b in blocks if b.type == "code"]
    assert codes == [r.original_source(0).strip(), edited, r.original_source(2).strip()]
    texts = [b.content.strip() for b in blocks[1:] if b.type == "text"]
    assert "The histogram of grey levels, and Otsu’s threshold on it." in texts
    assert text.count("\n# %%\n") == N_CELLS
    assert "(512, 512) uint8" not in text  # outputs are not prose

    # Run as the reader would run it locally: the whole file as one piece of code.
    status, result = site_service.run(code=text)
    assert status == 200 and result["ok"], result
    stdout = result["cells"][0]["stdout"]
    assert stdout.splitlines() == ["(512, 512) uint8", f"{marker} 90"]
    assert r.errors == []


# -- compared with the published output ----------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_compare_shows_the_published_output_beside_the_new_one(open_reader, mode):
    r = open_reader(mode)
    r.open()
    set_code(r, 1, 'threshold = 60\nprint(f"Otsu threshold: {threshold}")\n'
                   'fig, ax = plt.subplots(figsize=(5, 2.5))\n'
                   'hist = ax.hist(image.ravel(), bins=16, color="tab:green")')
    assert r.page.locator(".livegallery-compare").count() == 0
    r.run_with_keyboard()
    assert r.wait_state("done", "error") == "done", r.status.inner_text()
    toggle = r.button("Show published output of cell 2")
    assert toggle.get_attribute("aria-pressed") == "false"
    assert r.page.locator(".livegallery-compare").count() == N_CELLS
    olds = r.build_outputs(1)
    assert olds.count() == 2
    assert all(olds.nth(k).is_hidden() for k in range(2))

    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    assert all(olds.nth(k).is_visible() for k in range(2))
    label = r.page.locator('.livegallery-compare-label[data-livegallery-cell="1"]')
    assert label.inner_text().lower().startswith("published output")
    # New output first, then the labelled published one, both before cell 3.
    assert r.page.evaluate("""() => {
        const q = (s) => document.querySelector(s);
        const after = (a, b) => Boolean(
            a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
        const live = q('div.livegallery-run-output[data-livegallery-cell="1"]');
        const label = q('.livegallery-compare-label[data-livegallery-cell="1"]');
        const old = q('.livegallery-output-1');
        const next = q('div.livegallery-cell[data-livegallery-cell="2"]');
        return after(live, label) && after(label, old) && after(old, next); }""")
    assert "Otsu threshold: 60" in r.run_output(1).inner_text()
    assert "Otsu threshold: 102" in olds.nth(1).inner_text()
    # Other cells are untouched by this toggle.
    assert r.build_outputs(0).is_hidden()
    label.scroll_into_view_if_needed()
    shot(r, "compare-on", mode)

    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "false"
    assert all(olds.nth(k).is_hidden() for k in range(2))
    assert label.count() == 0

    # Shown again, then a new run: a fresh start, published outputs hidden again.
    toggle.click()
    r.run_with_keyboard()
    assert r.wait_state("done", "error") == "done"
    assert all(olds.nth(k).is_hidden() for k in range(2))
    assert r.page.locator(".livegallery-compare-label").count() == 0
    assert r.button("Show published output of cell 2").get_attribute("aria-pressed") == "false"
    # Revert: published outputs back, no toggles.
    r.button("Revert").click()
    assert all(olds.nth(k).is_visible() for k in range(2))
    assert r.page.locator(".livegallery-compare").count() == 0
    assert r.errors == []


# -- keyboard ------------------------------------------------------------------------------


def test_keyboard_ctrl_enter_runs_escape_leaves_enter_edits(open_reader):
    r = open_reader()
    r.open()
    r.edit(0, 'import matplotlib.pyplot as plt\nfrom skimage import data\n'
              'from skimage.filters import threshold_otsu\nimage = data.camera()\n'
              'print("ctrl enter")')
    r.page.keyboard.press("Control+Enter")
    assert r.wait_state("done", "error") == "done", r.status.inner_text()
    assert "ctrl enter" in r.run_output(0).inner_text()
    host = r.cell(0).locator(".livegallery-editor")
    # Escape leaves the text (focus on the editor's content area, Tab moves on) ...
    r.page.keyboard.press("Escape")
    assert host.evaluate("el => document.activeElement === el.querySelector('.ace_scroller')")
    assert r.editor_value(0).endswith('print("ctrl enter")')
    # ... Enter goes back in to edit.
    r.page.keyboard.press("Enter")
    r.page.wait_for_function("el => document.activeElement === el.querySelector('textarea')",
                             arg=host.element_handle())
    r.page.keyboard.type("#")
    assert r.editor_value(0).endswith("#")
    # Meta+Enter (Cmd on a Mac) and Shift+Enter run too.
    r.page.keyboard.press("Shift+Enter")
    assert r.wait_state("done", "error") == "done"
    # Copy link and Download come right after Revert in the tab order.
    r.button("Revert").focus()
    r.page.keyboard.press("Tab")
    assert r.button("Copy link").evaluate("b => b === document.activeElement")
    r.page.keyboard.press("Tab")
    assert r.button("Download").evaluate("b => b === document.activeElement")
    assert r.errors == []


# -- Run always comes back -------------------------------------------------------------------


def test_run_unlocks_when_showing_a_result_throws(open_reader):
    r = open_reader()
    r.page.route_web_socket("**/api/v1/stream", lambda ws: ws.close())
    # A result the page cannot show (images that are not a list): before the fix, the
    # exception left Run as Stop for good.
    bad = {"ok": True, "cells": [{"stdout": "", "stderr": "", "images": 5}], "error": None,
           "duration_ms": 1}
    r.page.route("**/api/v1/run", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(bad)))
    r.open()
    r.button("Run").click()
    assert r.wait_state("done", "error") == "error"
    assert r.status.inner_text().strip() == "Something went wrong showing the result of this run."
    assert r.button("Run").is_visible() and r.button("Stop").count() == 0
    assert r.button("Revert").is_enabled()
    # The page logged what went wrong, and nothing else did.
    assert len(r.errors) == 1 and "showing the run failed" in r.errors[0], r.errors
    # And the next run runs.
    r.page.unroute("**/api/v1/run")
    r.button("Run").click()
    assert r.wait_state("done", "error") == "done", r.status.inner_text()
    assert "Otsu threshold: 102" in r.run_output(1).inner_text()


def test_without_ace_kept_edits_open_in_plain_text_editors(open_reader):
    r = open_reader()
    r.page.route("**/ace/ace.js", lambda route: route.abort())
    r.open()
    r.cell(1).locator("div.highlight pre").click()
    area = r.cell(1).locator("textarea.livegallery-editor")
    area.wait_for()
    area.fill('threshold = 33\nprint("plain", threshold)')
    assert mark(r, 1).inner_text() == "Edited"
    wait_stored(r)
    r.page.reload()
    r.wait_state("idle")
    area.wait_for()
    assert area.input_value() == 'threshold = 33\nprint("plain", threshold)'
    assert area.get_attribute("aria-description") == "Edited"
    assert mark(r, 1).inner_text() == "Edited"
    area.focus()
    r.page.keyboard.press("Control+Enter")
    assert r.wait_state("done", "error") == "done", r.status.inner_text()
    assert r.run_output(1).locator("pre.livegallery-stdout").inner_text() == "plain 33\n"
    # Only the failed Ace loads are errors here.
    assert all("ace" in e.lower() for e in r.errors), r.errors


def test_editor_shows_every_line_whole(open_reader):
    """Kept edits are read in the editor: no line may be clipped (the last one by the
    border, underscores by a line height tighter than the font)."""
    r = open_reader()
    r.open()
    r.cell(1).locator("div.highlight pre").click()
    host = r.cell(1).locator(".livegallery-editor")
    host.wait_for()
    m = host.evaluate("""el => { const e = window.ace.edit(el);
        return {inner: el.clientHeight, lines: e.session.getLength(),
                lineHeight: e.renderer.lineHeight,
                fontSize: parseFloat(getComputedStyle(el).fontSize)}; }""")
    assert m["inner"] >= m["lines"] * m["lineHeight"], m
    assert m["lineHeight"] >= 1.3 * m["fontSize"], m
    assert r.errors == []
