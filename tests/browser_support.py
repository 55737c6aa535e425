"""Helpers of the browser tests: how Chromium is started, and the ``Reader`` that drives a
page with Playwright (sync API) as a reader would. The fixtures are in conftest.py."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

from .service import ROOT, Service

CHROMIUM = os.environ.get("LIVEGALLERY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
ARTIFACTS = ROOT / "tests" / "artifacts"
EXAMPLE = "auto_examples/plot_camera_threshold.html"

#: Anything a page asks for that is not on this machine is refused (and shows up as a
#: console error, which the tests notice).
NOT_LOOPBACK = re.compile(r"^(?!(https?|wss?)://(127\.0\.0\.1|localhost|\[::1\])[:/]).+")


# -- the reader ----------------------------------------------------------------------


class Reader:
    """One page, with the few things a reader does and sees."""

    def __init__(self, page, service: Service):
        self.page = page
        self.service = service
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def _console(self, message) -> None:
        if message.type != "error":
            return
        url = message.location.get("url") or ""
        self.errors.append(f"console: {message.text} ({url})")

    # -- navigation and state --

    def open(self, path: str = EXAMPLE, base: str | None = None) -> None:
        self.page.goto(f"{base or self.service.url}/{path}")
        self.wait_state("idle")

    @property
    def state(self) -> str | None:
        return self.page.evaluate("document.documentElement.dataset.livegalleryState ?? null")

    def wait_state(self, *states: str, timeout: float = 20) -> str:
        self.page.wait_for_function(
            "states => states.includes(document.documentElement.dataset.livegalleryState)",
            arg=list(states), timeout=timeout * 1000)
        return self.state

    # -- the page's parts --

    @property
    def cells(self):
        return self.page.locator("div.livegallery-cell[data-livegallery-cell]")

    def cell(self, i: int):
        return self.page.locator(f'div.livegallery-cell[data-livegallery-cell="{i}"]')

    def run_output(self, i: int):
        return self.page.locator(f'div.livegallery-run-output[data-livegallery-cell="{i}"]')

    def build_outputs(self, i: int):
        return self.page.locator(f".livegallery-output-{i}")

    @property
    def status(self):
        return self.page.get_by_role("status")

    def button(self, name: str):
        return self.page.get_by_role("button", name=name, exact=True)

    def original_source(self, i: int) -> str:
        encoded = self.cell(i).get_attribute("data-livegallery-source")
        return base64.b64decode(encoded).decode("utf-8")

    def visible_code(self, i: int) -> str:
        """The highlighted code a reader sees in cell i (not the editor)."""
        pre = self.cell(i).locator("div.highlight pre")
        assert pre.is_visible(), f"the code of cell {i + 1} is not shown"
        return pre.inner_text()

    def editor_value(self, i: int) -> str:
        host = self.cell(i).locator(".livegallery-editor")
        return host.evaluate("el => el.value ?? window.ace.edit(el).getValue()")

    # -- what a reader does --

    def edit(self, i: int, code: str, *, via_button: bool = False, paste: bool = False) -> None:
        """Open cell i's editor (clicking the code, or its Edit button), then replace its
        code by typing: select all, and type the new code key by key (or, with ``paste``,
        insert it at once as a paste does: no auto-closing or indenting)."""
        if via_button:
            self.cell(i).hover()
            self.button(f"Edit cell {i + 1}").click()
        else:
            self.cell(i).locator("div.highlight pre").click()
        editor = self.cell(i).locator(".livegallery-editor")
        editor.wait_for(state="visible")
        self.page.wait_for_function("el => el.contains(document.activeElement)",
                                    arg=editor.element_handle())
        self.page.keyboard.press("ControlOrMeta+a")
        if paste:
            self.page.keyboard.insert_text(code)
        else:
            self.page.keyboard.type(code)
        # Ace auto-closes brackets and quotes; typed closers step over them, so the
        # editor must hold exactly what was typed.
        assert self.editor_value(i) == code

    def run_with_keyboard(self) -> None:
        self.page.keyboard.press("Shift+Enter")

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        # From the top, so the theme's sticky header is drawn there and not over a cell.
        self.page.evaluate("window.scrollTo(0, 0)")
        self.page.screenshot(path=str(path), full_page=True)
        return path

