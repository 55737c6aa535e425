"""The toolbar and outputs look right in pydata-sphinx-theme (scikit-image's theme), furo
and alabaster, in light and dark mode: measured in a real headless Chromium on the
fixture gallery built with each theme, served by the real service, with real runs.

"Looks right" means, for each theme × mode (WCAG 2.2 AA where it has a number):

* the mode really is in effect: the theme reports it (pydata: html[data-theme], furo:
  body[data-theme], as each theme's own switcher stores it) and the page background
  is light or dark accordingly;
* our controls follow the page's scheme: the toolbar, the Revert button and the output
  blocks are light on a light page and dark on a dark page (no light box on a dark page,
  nor the reverse);
* Run, Revert, Copy link and Download are visible, on top at their centre (not under a
  sticky header), at least 24×24 px (2.5.8), inside the toolbar, overlapping neither each
  other nor any code cell; their label and icon contrast ≥ 4.5:1 with what they are drawn on
  (1.4.3), colours read back from getComputedStyle, translucent backgrounds composited
  up the ancestors; the toolbar hint too;
* focused by keyboard (Tab / Shift+Tab), each shows a focus ring (an outline or a box
  shadow) of contrast ≥ 3:1 with the backdrop around it (1.4.11);
* the "Edit cell 1" button, shown on hover, is ≥ 24×24 px with text contrast ≥ 4.5
  (it overlays the code's bottom-right corner by design, so no overlap check);
* after a real run: the status ("Done in …"), the live stdout and the "Live output"
  label contrast ≥ 4.5; after a real exception: the error status, the error message,
  the traceback and the "Not run" notes too;
* the compare toggle of a live output (≥ 24×24 px, text contrast off and on, focus
  ring) and the "Published output" label it shows; the "Edited" and "From a link" marks
  of cells; the link-too-long (error) and other-version (warning) messages.

Alabaster has no dark mode: the page stays light whatever the reader's OS prefers.
Its "dark" case emulates `prefers-color-scheme: dark`, and right means the controls
stay light with the page (the checks above, with the page's own scheme, light), i.e.
the stylesheet's OS-preference rules must not turn our controls dark on a light page.

Screenshots of the toolbar region (after the run, Run keyboard-focused) are saved to
tests/artifacts/theme-<theme>-<mode>.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .browser_support import ARTIFACTS
from .conftest import IMAGE
from .service import Service
from .sites import require_ace
from .theme_support import (
    EXAMPLE,
    MODES,
    PROBE_JS,
    TARGET,
    THEME_SCHEME_JS,
    THEMES,
    UI_CONTRAST,
    Findings,
    build_all,
    init_script,
    scheme_of,
)

pytestmark = [pytest.mark.docker, pytest.mark.browser]

HAS_DARK_MODE = {"pydata_sphinx_theme": True, "furo": True, "alabaster": False}


@pytest.fixture(scope="module")
def theme_sites(tmp_path_factory) -> Path:
    """The fixture gallery built with each theme, as <root>/<theme>/ (one origin)."""
    require_ace()
    return build_all(tmp_path_factory.mktemp("themes") / "site")


@pytest.fixture(scope="module")
def theme_service(theme_sites):
    with Service(image=IMAGE, static_dir=theme_sites, pool_size=1, timeout=8) as service:
        yield service


@pytest.fixture
def themed_page(request, new_reader, theme_service):
    """(theme, mode, a Reader on the theme's example page, measuring probe installed)."""
    theme, mode = request.param
    reader = new_reader(theme_service, color_scheme=mode, init_script=init_script(theme, mode))
    reader.open(f"{theme}/{EXAMPLE}")
    reader.page.evaluate(PROBE_JS)
    return theme, mode, reader


CASES = [(t, m) for t in THEMES for m in MODES]
BUTTONS = (("Run", ".livegallery-run"), ("Revert", ".livegallery-revert"),
           ("Copy link", ".livegallery-share"), ("Download", ".livegallery-download"))


def probe(page, expression: str, selector: str):
    """window.__lgProbe.<expression>(the element matching selector)."""
    return page.evaluate(f"s => window.__lgProbe.{expression}(document.querySelector(s))",
                         selector)


def overlap(a: dict, b: dict) -> bool:
    return (a["x"] < b["right"] and b["x"] < a["right"]
            and a["y"] < b["bottom"] and b["y"] < a["bottom"])


def keyboard_focus(page, selector: str, via: str, key: str) -> dict:
    """Focus `via` from script, then move to `selector` with a key press: keyboard focus."""
    page.locator(via).focus()
    page.keyboard.press(key)
    return probe(page, "focusRing", selector)


@pytest.mark.parametrize("themed_page", CASES, ids=[f"{t}-{m}" for t, m in CASES],
                         indirect=True)
def test_controls_look_right(themed_page, theme_service):
    theme, mode, reader = themed_page
    page = reader.page
    f = Findings(f"{theme} {mode}")

    # -- the mode is in effect, and our controls follow the page's scheme ----------
    reported = page.evaluate(THEME_SCHEME_JS[theme])
    if HAS_DARK_MODE[theme]:
        assert reported == mode, f"{theme} shows {reported!r}, not {mode!r}: setup is wrong"
    expected = mode if HAS_DARK_MODE[theme] else "light"
    page_bg = page.evaluate("window.__lgProbe.lum(window.__lgProbe.backdrop(document.body).colour)")
    assert scheme_of(page_bg) == expected, \
        f"{theme} in {mode} mode has a {scheme_of(page_bg)} page: setup is wrong"

    def follows_page(what: str, selector: str) -> None:
        lum = page.evaluate("s => window.__lgProbe.lum(window.__lgProbe.backdrop("
                            "document.querySelector(s)).colour)", selector)
        f.check(scheme_of(lum) == expected,
                f"{what} is {scheme_of(lum)} (luminance {lum:.3f}) on a {expected} page")

    follows_page("the toolbar", ".livegallery-toolbar")
    follows_page("the Revert button", ".livegallery-revert")
    follows_page("the Copy link button", ".livegallery-share")

    # -- Run and Revert: visible, big enough, on top, apart, readable ---------------
    # (measured at the top of the page, where the toolbar is first seen)
    page.evaluate("window.scrollTo(0, 0)")
    toolbar = probe(page, "box", ".livegallery-toolbar")
    code = page.evaluate("[...document.querySelectorAll('div.livegallery-cell, div.highlight')]"
                         ".map(e => window.__lgProbe.box(e))")
    boxes = {}
    for name, sel in BUTTONS:
        button = page.get_by_role("button", name=name, exact=True)
        if not f.check(button.count() == 1 and button.is_visible(), f"{name} is not visible"):
            continue
        b = boxes[name] = probe(page, "box", sel)
        f.check(b["width"] >= TARGET and b["height"] >= TARGET,
                f"{name} is {b['width']:.1f}×{b['height']:.1f} px (< {TARGET}×{TARGET})")
        f.check(b["x"] >= toolbar["x"] and b["right"] <= toolbar["right"]
                and b["y"] >= toolbar["y"] and b["bottom"] <= toolbar["bottom"],
                f"{name} sticks out of the toolbar ({b} vs {toolbar})")
        top = probe(page, "onTop", sel)
        f.check(top["ok"], f"{name} is covered at its centre by {top['hit']}")
        f.check(not any(overlap(b, c) for c in code), f"{name} overlaps the code")
        opacity = page.evaluate("s => getComputedStyle(document.querySelector(s)).opacity", sel)
        f.check(float(opacity) == 1, f"{name} is faded (opacity {opacity}) while usable")
        for part in ("label", "icon"):
            f.contrast(f"{name} {part}", probe(page, "textContrast", f"{sel} .livegallery-{part}"))
    for i, (a, _) in enumerate(BUTTONS):
        for b, _ in BUTTONS[i + 1:]:
            if a in boxes and b in boxes:
                f.check(not overlap(boxes[a], boxes[b]), f"{a} and {b} overlap")
    f.contrast("the toolbar hint", probe(page, "textContrast", ".livegallery-hint"))

    # -- keyboard focus rings ----------------------------------------------------------
    for name, sel, via, key in (("Run", ".livegallery-run", ".livegallery-revert", "Shift+Tab"),
                                ("Revert", ".livegallery-revert", ".livegallery-run", "Tab"),
                                ("Copy link", ".livegallery-share", ".livegallery-revert", "Tab"),
                                ("Download", ".livegallery-download", ".livegallery-share", "Tab")):
        ring = keyboard_focus(page, sel, via, key)
        if f.check(ring["focused"] and ring["focusVisible"],
                   f"{name} did not get keyboard focus ({ring})"):
            f.check(ring["visible"], f"{name} shows no focus ring when keyboard-focused ({ring})")
            if ring["ratio"] is not None:
                f.check(ring["ratio"] >= UI_CONTRAST,
                        f"{name}'s focus outline contrast {ring['ratio']:.2f} < {UI_CONTRAST}")

    # -- the Edit button of a cell, shown on hover -------------------------------------
    page.locator('div.livegallery-cell[data-livegallery-cell="0"] div.highlight').hover()
    edit = page.get_by_role("button", name="Edit cell 1", exact=True)
    page.wait_for_function("() => getComputedStyle(document.querySelector("
                           "'.livegallery-edit')).opacity === '1'", timeout=3_000)
    e = edit.bounding_box()
    f.check(e["width"] >= TARGET and e["height"] >= TARGET,
            f"Edit cell 1 is {e['width']:.1f}×{e['height']:.1f} px (< {TARGET}×{TARGET})")
    f.contrast("Edit cell 1", probe(page, "textContrast", ".livegallery-edit"))
    page.mouse.move(0, 0)

    # -- a real run ------------------------------------------------------------------------
    theme_service.wait_idle(timeout=60)
    page.get_by_role("button", name="Run", exact=True).click()
    state = reader.wait_state("done", "error", timeout=30)
    assert state == "done", page.locator(".livegallery-status").inner_text()
    f.contrast("the status after a run", probe(page, "textContrast", ".livegallery-status-text"))
    stdout = 'div.livegallery-run-output[data-livegallery-cell="0"] pre.livegallery-stdout'
    assert page.locator(stdout).inner_text().startswith("hello-0")
    f.contrast("live stdout", probe(page, "textContrast", stdout))
    follows_page("the live stdout block", stdout)
    f.contrast("the 'Live output' label", probe(page, "textContrast", ".livegallery-run-label"))
    check_compare_toggle(page, f)

    # The toolbar region as a reader sees it, Run keyboard-focused: toolbar, first cell
    # and its live output.
    keyboard_focus(page, ".livegallery-run", ".livegallery-revert", "Shift+Tab")
    page.evaluate("window.scrollTo(0, 0)")
    toolbar = probe(page, "box", ".livegallery-toolbar")
    below = probe(page, "box", 'div.livegallery-run-output[data-livegallery-cell="0"]')
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    x, y = max(toolbar["x"] - 16, 0), max(toolbar["y"] - 16, 0)
    page.screenshot(path=str(ARTIFACTS / f"theme-{theme}-{mode}.png"), full_page=True,
                    clip={"x": x, "y": y, "width": toolbar["width"] + 32,
                          "height": min(below["bottom"] + 16 - y, 700)})

    # -- a real exception --------------------------------------------------------------------
    reader.edit(0, "1 / 0")
    theme_service.wait_idle(timeout=60)
    reader.run_with_keyboard()
    assert reader.wait_state("done", "error", timeout=30) == "error"
    f.contrast("the status after an exception",
               probe(page, "textContrast", ".livegallery-status-text"))
    f.contrast("the error message", probe(page, "textContrast", ".livegallery-error-message"))
    f.contrast("the traceback", probe(page, "textContrast", "pre.livegallery-traceback"))
    f.contrast("the 'Not run' note", probe(page, "textContrast", ".livegallery-not-run"))
    check_edit_marks_and_messages(page, f, follows_page)

    assert reader.errors == [], reader.errors
    assert not f.problems, f.report()


def check_target(page, f, name: str, selector: str) -> None:
    b = probe(page, "box", selector)
    f.check(b["width"] >= TARGET and b["height"] >= TARGET,
            f"{name} is {b['width']:.1f}x{b['height']:.1f} px (< {TARGET}x{TARGET})")


def check_compare_toggle(page, f) -> None:
    """After a run: the compare toggle of cell 1, off and on, and what it shows."""
    sel = 'div.livegallery-run-output[data-livegallery-cell="0"] .livegallery-compare'
    if not f.check(page.locator(sel).count() == 1, "no compare toggle after the run"):
        return
    check_target(page, f, "the compare toggle", sel)
    f.contrast("the compare toggle (off)", probe(page, "textContrast", sel))
    page.locator(sel).focus()
    page.keyboard.press("Space")
    f.check(page.locator(sel).get_attribute("aria-pressed") == "true", "Space did not press it")
    ring = probe(page, "focusRing", sel)
    f.check(ring["focusVisible"] and ring["visible"],
            f"the compare toggle shows no focus ring ({ring})")
    if ring["ratio"] is not None:
        f.check(ring["ratio"] >= UI_CONTRAST,
                f"the compare toggle's focus outline contrast {ring['ratio']:.2f} < {UI_CONTRAST}")
    f.contrast("the compare toggle (on)", probe(page, "textContrast", sel))
    f.contrast("the 'Published output' label",
               probe(page, "textContrast", ".livegallery-compare-label"))
    page.keyboard.press("Space")


def check_edit_marks_and_messages(page, f, follows_page) -> None:
    """The cell edited before (the exception) is marked; the messages of Copy link
    (too long: error; from a link of another version: warning) and the from-link mark."""
    mark = 'div.livegallery-cell[data-livegallery-cell="0"] .livegallery-mark'
    page.locator(mark).wait_for()
    f.contrast("the 'Edited' mark", probe(page, "textContrast", mark))
    follows_page("the 'Edited' mark's cell", 'div.livegallery-cell[data-livegallery-cell="0"]')
    # Too long for a link: random (incompressible) text.
    page.locator('div.livegallery-cell[data-livegallery-cell="0"] .livegallery-editor').evaluate(
        """el => window.ace.edit(el).setValue('x = "' + btoa(String.fromCharCode(
               ...crypto.getRandomValues(new Uint8Array(7000)))) + '"', 1)""")
    page.get_by_role("button", name="Copy link", exact=True).click()
    page.locator('.livegallery-message[data-kind="error"]').wait_for()
    f.contrast("the link-too-long message",
               probe(page, "textContrast", ".livegallery-message-text"))
    # A link made for another version of the example: a warning, and the from-link mark.
    link = page.evaluate("""async () => {
        const share = await import(new URL('../_static/livegallery/share.js', location.href));
        const code = {0: 'print("from a link")'};
        return (await share.shareLink(location.href, code, 'other')).link; }""")
    page.goto(link)
    page.reload()  # the link differs from the page's address only in its fragment
    page.wait_for_function("document.documentElement.dataset.livegalleryState === 'idle'")
    page.evaluate(PROBE_JS)
    page.locator('.livegallery-message[data-kind="warning"]').wait_for()
    page.locator(mark).wait_for()
    f.contrast("the from-link mark", probe(page, "textContrast", mark))
    f.contrast("the from-a-link warning", probe(page, "textContrast", ".livegallery-message-text"))
