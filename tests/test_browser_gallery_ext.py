"""In a real headless Chromium against the real service and Docker: the page says when the
sandbox runs other package versions than the page was built with (and only then), a
helper module beside the example is sent with the run, and a build-time animation is
hidden after a run like any other output."""

from __future__ import annotations

import contextlib
import os

import pytest

from .browser_support import Reader
from .conftest import IMAGE
from .service import ROOT, Service
from .test_edge_cases import build

# the browser fixture, where it lives today (conftest.py makes it global otherwise)
with contextlib.suppress(ImportError):
    from .browser_support import browser  # noqa: F401

ACE_DIR = ROOT / "node_modules" / "ace-builds" / "src-min-noconflict"

pytestmark = [pytest.mark.docker, pytest.mark.browser]

NOTE = ".livegallery-toolbar [role=note].livegallery-version-note"
LOCAL = "auto_examples/plot_local.html"
ANIMATION = "auto_examples/plot_animation.html"


@pytest.fixture(scope="module")
def service():
    """The real service; the sites under test are built for what its sandbox reports."""
    service = Service(image=IMAGE, pool_size=1, timeout=10)
    service.start()
    yield service
    service.stop()


def build_site(tmp_path, expected: dict[str, str]):
    """The edge gallery, served from the service's origin with a local Ace; only the two
    examples used here are run at build time (it is quicker)."""
    static = tmp_path / "static"
    static.mkdir()
    os.symlink(ACE_DIR, static / "ace")
    return build(tmp_path, f"livegallery_backend_url = ''\n"
                           f"livegallery_ace_path = '_static/ace/ace.js'\n"
                           f"html_static_path = [{str(static)!r}]\n"
                           f"livegallery_expected_versions = {expected!r}\n"
                           "sphinx_gallery_conf['filename_pattern'] = '/plot_(local|animation)'")


@pytest.fixture(scope="module")
def sandbox_versions(service):
    versions = service.wait_pool_ready()["versions"]
    assert versions.get("numpy"), versions
    return versions


def serve(out, service) -> Service:
    """A second service process on the same image serving ``out`` (static_dir is fixed
    per process); its pool is empty so it costs nothing until a run."""
    site = Service(image=IMAGE, static_dir=out, pool_size=0, preload="", timeout=10)
    site.start()
    return site


def page_errors(reader: Reader) -> list[str]:
    """Errors of the page's own parts: this fixture's theme (alabaster) has no favicon, and
    matplotlib's jshtml player links Font Awesome from a CDN this machine cannot reach."""
    return [e for e in reader.errors
            if "/favicon.ico" not in e and "maxcdn.bootstrapcdn.com/font-awesome" not in e]


def open_reader(browser, site: Service, path: str) -> Reader:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    reader = Reader(page, site)
    reader.open(path)
    return reader


def test_a_differing_version_is_named_before_any_run(browser, service, sandbox_versions, tmp_path):
    out = build_site(tmp_path, {"numpy": "0.0.1", "not-in-the-sandbox": "1.0"})
    site = serve(out, service)
    try:
        # The site's own service has not started a sandbox yet: the note appears as soon
        # as its health knows the versions, i.e. after its first sandbox came up.
        site.run(["pass"])
        r = open_reader(browser, site, LOCAL)
        note = r.page.locator(NOTE)
        note.wait_for(state="visible")
        text = note.inner_text()
        assert f"numpy 0.0.1 (sandbox: {sandbox_versions['numpy']})" in text, text
        assert "not-in-the-sandbox 1.0 (sandbox: not installed)" in text
        assert text.startswith("This example was built with") and "results may differ" in text
        assert r.state == "idle"  # said before the reader ran anything
        r.screenshot("version-note.png")
        # the note is part of the toolbar, before the first cell
        assert r.page.evaluate("""() => {
            const note = document.querySelector('.livegallery-version-note');
            const cell = document.querySelector('.livegallery-cell');
            return Boolean(note.compareDocumentPosition(cell) & Node.DOCUMENT_POSITION_FOLLOWING);
        }""")
        assert page_errors(r) == []
    finally:
        site.stop()


def test_matching_versions_say_nothing_and_the_helper_module_runs(browser, service,
                                                                   sandbox_versions, tmp_path):
    out = build_site(tmp_path, {"numpy": sandbox_versions["numpy"],
                                "matplotlib": sandbox_versions["matplotlib"]})
    site = serve(out, service)
    try:
        site.run(["pass"])
        r = open_reader(browser, site, LOCAL)
        with r.page.expect_response(lambda q: q.url.endswith("/api/v1/health")):
            r.page.reload()
        r.wait_state("idle")
        r.page.wait_for_timeout(500)  # the health answer has been handled
        assert r.page.locator(".livegallery-version-note").count() == 0
        # the run sends local_module.py and second_helper.py along: the import works
        r.button("Run").click()
        assert r.wait_state("done", "error") == "done", r.status.inner_text()
        assert r.run_output(0).locator("pre.livegallery-stdout").inner_text() == "local 1000 3\n"
        assert page_errors(r) == []
    finally:
        site.stop()


def test_backend_down_leaves_the_page_working(browser, service, tmp_path):
    out = build_site(tmp_path, {"numpy": "0.0.1"})
    site = serve(out, service)
    try:
        context = browser.new_context()
        context.route("**/api/v1/health", lambda route: route.abort())
        page = context.new_page()
        r = Reader(page, site)
        r.open(LOCAL)
        page.wait_for_timeout(500)
        assert page.locator(".livegallery-version-note").count() == 0
        assert r.button("Run").is_visible() and r.state == "idle"
        assert not [e for e in r.errors if e.startswith("pageerror")]
        context.close()
    finally:
        site.stop()


def test_build_time_animation_is_hidden_after_a_run(browser, service, sandbox_versions, tmp_path):
    out = build_site(tmp_path, {})
    site = serve(out, service)
    try:
        r = open_reader(browser, site, ANIMATION)
        animation = r.page.locator(".sphx-glr-animation")
        assert animation.count() == 1 and animation.is_visible()
        assert r.cells.count() == 1  # the only block kept its cell and the toolbar
        r.button("Run").click()
        assert r.wait_state("done", "error") == "done", r.status.inner_text()
        animation.wait_for(state="hidden")
        # the live run's own animation, in its sandboxed frame, replaces it
        live = r.run_output(0).locator("iframe.livegallery-html")
        live.first.wait_for(state="visible")
        assert live.count() == 1
        assert page_errors(r) == []
        site.wait_idle()
        assert site.unaccounted() == []
    finally:
        site.stop()
