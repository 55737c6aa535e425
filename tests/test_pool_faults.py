"""The warm pool under faults, with the real engine: every container serves one run, the
pool heals, and nothing is left behind."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import uuid

import pytest

from .conftest import IMAGE
from .docker_proxy import DockerProxy
from .service import Service, containers

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def pool_service():
    """The pool alone (sessions off): every run takes a fresh container, so what the pool
    does with each one is visible. tests/test_sessions.py covers sessions."""
    service = Service(image=IMAGE, pool_size=2, timeout=5, max_sessions=0)
    service.start()
    yield service
    service.stop()


def docker(*args: str) -> str:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=True).stdout


def test_each_container_serves_one_run_and_the_pool_refills(pool_service):
    pool_service.wait_idle()
    owner = pool_service.owner
    for _ in range(3):
        before = set(containers(owner))
        status, body = pool_service.run(code="import os\nprint(os.getpid())")
        assert status == 200 and body["ok"]
        pool_service.wait_idle()
        after = set(containers(owner))
        assert len(before - after) == 1  # the container that ran is gone for good
        assert len(after) == 2 and len(after - before) == 1  # and was replaced


def test_health_reports_pool_and_image(pool_service):
    status, body = pool_service.health()
    assert status == 200
    assert body["image"] == pool_service.settings.get("image")
    assert body["image_id"] == docker("image", "inspect", "-f", "{{.Id}}", body["image"]).strip()
    assert set(body["pool"]) >= {"ready", "starting", "in_use", "size"}
    assert body["limits"]["timeout"] == 5


def test_dead_pool_container_is_replaced(pool_service):
    pool_service.wait_idle()
    victim = containers(pool_service.owner)[0]
    docker("kill", victim)
    pool_service.wait_until(lambda: victim not in containers(pool_service.owner), 15,
                            "the dead container to be removed")
    pool_service.wait_idle()
    assert pool_service.run(code="print('fine')")[1]["cells"][0]["stdout"] == "fine\n"


def test_hung_pool_container_is_replaced_without_losing_the_run(pool_service):
    pool_service.wait_idle()
    hung = containers(pool_service.owner)
    for container in hung:
        docker("pause", container)
    status, body = pool_service.run(code="print('fine')")
    assert status == 200 and body["ok"], body
    assert body["cells"][0]["stdout"] == "fine\n"
    pool_service.wait_idle(timeout=30)
    assert not set(hung) & set(containers(pool_service.owner))


def test_docker_going_away_gives_503_and_the_service_recovers(tmp_path):
    proxy = DockerProxy(str(tmp_path / "docker.sock"))
    proxy.start()
    service = Service(image=IMAGE, docker_url=proxy.url, pool_size=1, timeout=5)
    try:
        service.start()
        owner = service.owner
        assert service.run(code="print(1)")[1]["ok"]
        service.wait_idle()

        proxy.stop()
        status, body = service.wait_until(
            lambda: (r := service.health())[0] == 503 and r, 15, "health to say 503")
        assert body["error"]["kind"] == "docker_unavailable"
        assert "Docker engine is unreachable" in body["error"]["message"]
        status, body = service.run(code="print(1)")
        assert status == 503 and body["error"]["kind"] == "docker_unavailable"

        proxy.start()
        service.wait_pool_ready(timeout=30)
        status, body = service.run(code="print('back')")
        assert status == 200 and body["cells"][0]["stdout"] == "back\n"
        service.wait_idle(timeout=30)  # what could not be removed while away is gone now
    finally:
        assert service.stop() == 0
        proxy.close()
    assert containers(owner) == []


def test_service_starts_without_docker_and_says_so(tmp_path):
    service = Service(image=IMAGE, docker_url=f"unix://{tmp_path}/nothing.sock", pool_size=1)
    service.start(wait_ready=False)
    try:
        status, body = service.health()
        assert status == 503 and body["error"]["kind"] == "docker_unavailable"
        status, body = service.run(code="print(1)")
        assert status == 503 and "unreachable" in body["error"]["message"]
    finally:
        assert service.stop() == 0


def test_rebuilt_image_is_picked_up():
    tag = f"livegallery-sandbox:pooltest-{uuid.uuid4().hex[:8]}"  # this test's own
    docker("tag", IMAGE, tag)
    service = Service(image=tag, pool_size=2, image_check_interval=1)
    try:
        service.start()
        old_id = service.health()[1]["image_id"]
        rebuilt = subprocess.run(
            ["docker", "build", "-q", "-t", tag, "-"],
            input=f"FROM {IMAGE}\nLABEL livegallery.test=rebuilt\n", capture_output=True,
            text=True, env={"DOCKER_BUILDKIT": "0", "PATH": "/usr/local/bin:/usr/bin:/bin"})
        assert rebuilt.returncode == 0, rebuilt.stderr
        new_id = docker("image", "inspect", "-f", "{{.Id}}", tag).strip()
        assert new_id != old_id

        def all_new():
            ids = containers(service.owner, ("--filter", "status=running"))
            shown = subprocess.run(["docker", "inspect", "-f", "{{.Image}}", *ids],
                                   capture_output=True, text=True)
            images = set(shown.stdout.split())  # a container may go between list and inspect
            return (service.health()[1]["image_id"] == new_id and len(ids) == 2
                    and shown.returncode == 0 and images == {new_id})
        service.wait_until(all_new, 60, "the pool to move to the rebuilt image")
        assert service.run(code="print('new')")[1]["cells"][0]["stdout"] == "new\n"
    finally:
        service.stop()
        subprocess.run(["docker", "rmi", tag], capture_output=True)


def test_sigterm_removes_every_container_even_mid_run():
    service = Service(image=IMAGE, pool_size=2, timeout=6)
    service.start()
    owner = service.owner
    results = []

    def run_forever():
        body = json.dumps({"code": "while True: pass"}).encode()
        try:
            results.append(service.request("POST", "/api/v1/run", body, timeout=30))
        except OSError as exc:
            results.append(exc)
    runner = threading.Thread(target=run_forever)
    runner.start()
    service.wait_until(lambda: service.health()[1]["pool"]["in_use"] == 1, 10, "a run")
    assert service.stop() == 0
    runner.join(30)
    assert containers(owner) == []
    # The run in flight was answered in full (shutdown lets it end), not cut off.
    assert len(results) == 1 and not isinstance(results[0], Exception), results
    status, _, raw = results[0]
    body = json.loads(raw)
    assert status == 200 and body["ok"] is False and body["error"]["kind"] == "timeout", body


def test_leftovers_of_a_crashed_service_are_swept_at_start():
    dead_owner = f"{socket.gethostname()}/999999999/deadbeef"
    leftover = docker("create", "--label", "livegallery=1", "--label",
                      f"livegallery.owner={dead_owner}", "--network", "none",
                      IMAGE).strip()
    service = Service(image=IMAGE, pool_size=1)
    try:
        service.start()
        assert leftover not in containers()
    finally:
        service.stop()
        subprocess.run(["docker", "rm", "-f", leftover], capture_output=True)


def test_a_module_that_cannot_be_preloaded_does_not_break_the_pool():
    service = Service(image=IMAGE, pool_size=1, preload="numpy,no_such_module_here")
    try:
        service.start()
        status, body = service.run(code="import numpy\nprint(numpy.arange(3).sum())")
        assert status == 200 and body["cells"][0]["stdout"] == "3\n"
    finally:
        assert service.stop() == 0


def test_an_image_docker_refuses_is_a_clear_503_not_a_500():
    # Docker answers 400 for an invalid reference; that problem used to escape as a 500.
    service = Service(image="Not-A-Valid:Reference", pool_size=1)
    service.start(wait_ready=False)
    try:
        status, body = service.wait_until(
            lambda: (r := service.run(code="print(1)"))[0] != 200 and r, 15, "a refusal")
        assert status == 503 and body["error"]["kind"] == "sandbox_unavailable", body
        assert "Docker refused" in body["error"]["message"]
        status, body = service.health()
        assert status == 503 and "Docker refused" in body["error"]["message"]
    finally:
        assert service.stop() == 0
