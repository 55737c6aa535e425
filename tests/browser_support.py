"""Fixtures and helpers of the browser tests: the demo docs built once, served by the real
service, and a headless Chromium driven by Playwright (sync API) as a reader would."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import IMAGE, IN_CI
from .service import ROOT, Service

CHROMIUM = os.environ.get("LIVEGALLERY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
ACE_BUILD = ROOT / "node_modules" / "ace-builds" / "src-min-noconflict" / "ace.js"
ARTIFACTS = ROOT / "tests" / "artifacts"
EXAMPLE = "auto_examples/plot_camera_threshold.html"

#: Anything a page asks for that is not on this machine is refused (and shows up as a
#: console error, which the tests notice).
NOT_LOOPBACK = re.compile(r"^(?!(https?|wss?)://(127\.0\.0\.1|localhost|\[::1\])[:/]).+")


def browser_problem() -> str | None:
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM} (run scripts/ensure-browser.sh)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install -e '.[test]')"
    return None


def skip_or_fail(problem: str) -> None:
    """Locally a missing browser skips; in CI (CI=true) it fails, as Docker does."""
    if IN_CI:
        pytest.fail(f"CI=true but the browser tests cannot run: {problem}", pytrace=False)
    pytest.skip(problem)


# -- fixtures ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The demo docs, built once per session into a temporary directory."""
    if not ACE_BUILD.is_file():
        pytest.fail(f"{ACE_BUILD} is missing: run `npm ci` (or `make node`) first; the demo "
                    "docs serve Ace from node_modules", pytrace=False)
    out = tmp_path_factory.mktemp("site") / "html"
    sphinx = Path(sys.executable).with_name("sphinx-build")
    done = subprocess.run([str(sphinx), "-q", "-b", "html", "docs", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, f"sphinx-build failed:\n{done.stdout}\n{done.stderr}"
    assert (out / EXAMPLE).is_file(), f"the build has no {EXAMPLE}"
    assert (out / "_static" / "ace" / "ace.js").is_file(), "the build has no local Ace"
    return out


def serve_site(static_dir, pool_size: int):
    """The real service, serving a built site and running its cells (one origin)."""
    service = Service(image=IMAGE, static_dir=static_dir, pool_size=pool_size, timeout=8)
    service.start()
    yield service
    service.stop()


@pytest.fixture(scope="module")
def site_service(built_site):
    yield from serve_site(built_site, pool_size=2)


@pytest.fixture(scope="module")
def browser():
    problem = browser_problem()
    if problem:
        skip_or_fail(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def reader(browser, site_service):
    """A fresh browser context and page, with a warm pool waiting for it."""
    site_service.wait_idle(timeout=60)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route(NOT_LOOPBACK, lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(15_000)
    r = Reader(page, site_service)
    yield r
    context.close()


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

    def edit(self, i: int, code: str, *, via_button: bool = False) -> None:
        """Open cell i's editor (clicking the code, or its Edit button), then replace its
        code by typing: select all, and type the new code key by key."""
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


def stopped_service(built_site) -> Service:
    """A service of its own (no pool, so nothing to warm up) for a test that stops it."""
    return Service(image=IMAGE, static_dir=built_site, pool_size=0, preload="", timeout=8)
