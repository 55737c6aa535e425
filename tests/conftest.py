"""Shared fixtures: a Docker check that fails (never skips) in CI, and real services."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from .service import Service, docker_available

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


@pytest.fixture(scope="session")
def warm_service():
    """The service as operators run it: a warm pool of two sandboxes."""
    service = Service(image=IMAGE, pool_size=2, timeout=5)
    service.start()
    yield service
    service.stop()


@pytest.fixture(scope="session")
def cold_service():
    """No pool: every run gets a container of its own, so a test can check that exactly
    the containers it caused are gone afterwards. Short limits keep hostile tests quick."""
    service = Service(image=IMAGE, pool_size=0, preload="", timeout=4)
    service.start()
    yield service
    service.stop()
