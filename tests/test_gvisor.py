"""The runtime setting really changes the kernel a reader's code sees: under gVisor
(runsc) the sandbox answers with gVisor's own kernel, under runc with the host's.
Runs where runsc is registered with dockerd (scripts/setup-gvisor.sh; make test-gvisor)."""

from __future__ import annotations

import json
import os
import platform
import subprocess

import pytest

from .conftest import IMAGE
from .service import Service, containers

pytestmark = pytest.mark.docker

PROBE = "import platform; print(platform.release())"


def runsc_registered() -> bool:
    out = subprocess.run(["docker", "info", "--format", "{{json .Runtimes}}"],
                         capture_output=True, text=True)
    return out.returncode == 0 and "runsc" in json.loads(out.stdout or "{}")


@pytest.fixture(scope="module")
def gvisor_service():
    if not runsc_registered():
        # make test-gvisor sets the runtime and must not pass by skipping; plain
        # `make test` (CI included) does not register runsc, which changes dockerd's config.
        if os.environ.get("LIVEGALLERY_RUNTIME") == "runsc":
            pytest.fail("runsc is not registered with dockerd (scripts/setup-gvisor.sh)")
        pytest.skip("runsc is not registered with dockerd (scripts/setup-gvisor.sh)")
    service = Service(image=IMAGE, pool_size=0, preload="", timeout=10, runtime="runsc")
    service.start()
    yield service
    service.stop()


def test_a_run_under_runsc_sees_gvisors_kernel_and_leaves_nothing(gvisor_service):
    status, body = gvisor_service.run(code=PROBE)
    assert status == 200 and body["ok"], body
    release = body["cells"][0]["stdout"].strip()
    assert release != platform.release()  # not the host's kernel...
    assert release == "4.4.0"  # ...but the one gVisor's Sentry reports
    gvisor_service.wait_idle()
    assert gvisor_service.unaccounted() == []  # gone, or kept as the session


def test_an_unknown_runtime_is_a_clear_error_and_the_service_stays_up():
    service = Service(image=IMAGE, pool_size=0, preload="", runtime="no-such-runtime")
    service.start(wait_ready=False)
    try:
        status, body = service.run(code="print(1)")
        assert status == 503, body
        assert body["error"]["kind"] == "sandbox_unavailable"
        assert "Unknown runtime specified no-such-runtime" in body["error"]["message"]
        assert service.health()[0] == 200  # the service itself is fine
        assert containers(service.owner) == []
    finally:
        service.stop()


def test_under_runsc_each_run_gets_a_fresh_sandbox(gvisor_service):
    """gVisor lists no System V IPC and ignores the msgqueue ulimit, so the harness cannot
    prove a run left nothing behind: it says it is not reusable and sessions stay off."""
    where = "import socket; print(socket.gethostname())"
    status, first = gvisor_service.run(code=where)
    assert status == 200 and first["ok"], first
    assert "session" not in first
    status, second = gvisor_service.run(code=where, session="forged-or-old")
    assert status == 200 and second["ok"], second
    assert second["cells"][0]["stdout"] != first["cells"][0]["stdout"]
