"""Shared fixtures: a Docker check that fails (never skips) in CI, real services, the
demo site, and a headless Chromium with a reader on a page."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .browser_support import CHROMIUM, CHROMIUM_ARGS, EXAMPLE, NOT_LOOPBACK, Reader
from .service import ROOT, Service, docker_available
from .sites import build_subprocess, require_ace

IMAGE = os.environ.get("LIVEGALLERY_IMAGE", "livegallery-sandbox:latest")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_collection_modifyitems(config, items):
    """Tests marked ``docker`` need the engine and the image. Locally they are skipped
    when neither is there; in CI (CI=true) the run fails instead of passing by skipping."""
    if "deploy" not in (config.getoption("markexpr") or ""):
        # The deployment checks are slow: `make test-deploy` runs them (pytest -m deploy).
        for item in items:
            if item.get_closest_marker("deploy"):
                item.add_marker(pytest.mark.skip(reason="slow deploy check: run with -m deploy"))
    needs_docker = [item for item in items if "docker" in item.keywords]
    if not needs_docker:
        return
    problem = docker_problem()
    if problem is None:
        return
    if IN_CI:
        raise pytest.UsageError(f"CI=true but the real-Docker tests cannot run: {problem}")
    for item in needs_docker:
        item.add_marker(pytest.mark.skip(reason=problem))


def docker_problem() -> str | None:
    if shutil.which("docker") is None:
        return "the docker client is not installed"
    if not docker_available():
        return "no Docker engine answers (run scripts/ensure-docker.sh)"
    found = subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True)
    if found.returncode != 0:
        return f"the sandbox image {IMAGE} is missing (run images/build.sh)"
    return None


def browser_problem() -> str | None:
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM} (run scripts/ensure-browser.sh)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright Python package is not installed (pip install -e '.[test]')"
    return None


# -- services -------------------------------------------------------------------------


@pytest.fixture
def make_client(aiohttp_client):
    """The app in process with no engine: a fake pool stands in (``pool_kwargs`` go to
    ``FakePool``, keyword settings to ``Settings``); (client, pool)."""
    from livegallery.backend.api import DOCKER, POOL
    from livegallery.backend.app import create_app
    from livegallery.backend.config import Settings

    # The fakes live beside the unit tests that define what they play back.
    from .test_backend_unit import FakeDocker, FakePool

    async def make(pool_kwargs=None, **settings):
        s = Settings(**settings)
        app = create_app(s)
        app.cleanup_ctx.clear()  # no engine: the fake pool stands in
        app[POOL] = FakePool(s, **(pool_kwargs or {}))
        app[DOCKER] = FakeDocker()
        return await aiohttp_client(app), app[POOL]
    return make


@pytest.fixture(scope="session")
def warm_service():
    """The service as operators run it: a warm pool of two sandboxes."""
    with Service(image=IMAGE, pool_size=2, timeout=5) as service:
        yield service


@pytest.fixture(scope="session")
def cold_service():
    """No pool: every run gets a container of its own, so a test can check that exactly
    the containers it caused are gone afterwards. Short limits keep hostile tests quick."""
    with Service(image=IMAGE, pool_size=0, preload="", timeout=4, memory_mb=512) as service:
        yield service


# -- the demo site in a browser ---------------------------------------------------------


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The demo docs, built once per session into a temporary directory."""
    require_ace()
    out = build_subprocess(ROOT / "docs", tmp_path_factory.mktemp("site") / "html")
    assert (out / EXAMPLE).is_file(), f"the build has no {EXAMPLE}"
    assert (out / "_static" / "ace" / "ace.js").is_file(), "the build has no local Ace"
    return out


@pytest.fixture(scope="module")
def site_service(built_site):
    """The real service, serving the demo site and running its cells (one origin)."""
    with Service(image=IMAGE, static_dir=built_site, pool_size=2, timeout=8) as service:
        yield service


@pytest.fixture(scope="module")
def browser():
    problem = browser_problem()
    if problem and IN_CI:  # locally a missing browser skips; in CI it fails, as Docker does
        pytest.fail(f"CI=true but the browser tests cannot run: {problem}", pytrace=False)
    if problem:
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_reader(browser):
    """Opens readers: a fresh browser context and page each, nothing off this machine
    reachable; ``new_reader(service, color_scheme=..., init_script=..., **options of
    browser.new_context)``."""
    contexts = []

    def open_reader(service: Service, color_scheme: str = "light", init_script: str = "",
                    **context_options) -> Reader:
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      color_scheme=color_scheme, **context_options)
        contexts.append(context)
        context.route(NOT_LOOPBACK, lambda route: route.abort())
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return Reader(page, service)
    yield open_reader
    for context in contexts:
        context.close()


@pytest.fixture
def reader(new_reader, site_service):
    """A reader of the demo site, with a warm pool waiting for them."""
    site_service.wait_idle(timeout=60)
    return new_reader(site_service)
