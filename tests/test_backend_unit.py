"""Fast tests of the API, results and settings with a fake pool (no Docker). The same
behaviour is checked against the real engine in the integration tests."""

from __future__ import annotations

import asyncio

import pytest

from livegallery.backend.config import Settings, argument_parser, from_env
from livegallery.backend.errors import Busy, DockerUnavailable
from livegallery.backend.hardening import LABEL, container_config
from livegallery.backend.results import LimitExceeded, RunResult


class FakeSandbox:
    """Plays back a script of harness events, or waits until stopped."""

    id = "fake0000000000"

    def __init__(self, script, hang=False):
        self.script, self.hang = script, hang
        self.files = None

    async def run(self, cells, result, on_event, stop=None, files=None):
        self.files = files
        for event in self.script:
            result.add_text(event["type"], event["cell"], event["data"])
            if on_event:
                await on_event(event)
        if self.hang:
            await stop.wait()
            result.fail("stopped", "The run was stopped.", cell=0)


class FakePool:
    def __init__(self, settings, sandbox=None, problem=None):
        self.settings, self.sandbox, self.problem = settings, sandbox, problem
        self.released, self.image_id = [], "sha256:fake"
        self.tokens = []  # the session each acquire asked for

    async def acquire(self, token=None):
        self.tokens.append(token)
        if self.problem:
            raise self.problem
        return self.sandbox, None

    def release(self, sandbox, session):
        self.released.append(sandbox)
        return "fake-token"

    def stats(self):
        return {"ready": 1}

    def versions(self):
        return {"numpy": "2.4.6", "scikit-image": "0.26.0"}

    def health(self, engine_answers):
        return {"image_id": self.image_id, "pool": self.stats(), "sessions": {"live": 0},
                "versions": self.versions()}, None


class FakeDocker:
    async def version(self):
        return {}


async def test_run_returns_the_contract_shape(make_client):
    script = [{"type": "stdout", "cell": 0, "data": "hi\n"}]
    client, pool = await make_client({"sandbox": FakeSandbox(script)})
    resp = await client.post("/api/v1/run", json={"cells": ["print('hi')"]})
    body = await resp.json()
    assert resp.status == 200
    assert body["ok"] is True and body["error"] is None
    assert body["cells"] == [{"stdout": "hi\n", "stderr": "", "images": [], "html": []}]
    assert pool.released == [pool.sandbox]  # every sandbox is given back (and destroyed)


async def test_busy_is_429_with_retry_after(make_client):
    client, _ = await make_client({"problem": Busy("full", retry_after=3)})
    resp = await client.post("/api/v1/run", json={"code": "1"})
    assert resp.status == 429 and resp.headers["Retry-After"] == "3"
    assert (await resp.json()) == {"error": {"kind": "busy", "message": "full"}}


async def test_docker_down_is_503(make_client):
    problem = DockerUnavailable("The Docker engine is unreachable")
    client, _ = await make_client({"problem": problem})
    resp = await client.post("/api/v1/run", json={"code": "1"})
    assert resp.status == 503 and (await resp.json())["error"]["kind"] == "docker_unavailable"


async def test_websocket_stop_ends_the_run(make_client):
    sandbox = FakeSandbox([{"type": "stdout", "cell": 0, "data": "go\n"}], hang=True)
    client, pool = await make_client({"sandbox": sandbox})
    ws = await client.ws_connect("/api/v1/stream")
    await ws.send_json({"cells": ["x"]})
    assert (await ws.receive_json()) == {"type": "stdout", "cell": 0, "data": "go\n"}
    await ws.send_json({"type": "stop"})
    done = await asyncio.wait_for(ws.receive_json(), 5)
    assert done["type"] == "done" and done["result"]["error"]["kind"] == "stopped"
    assert pool.released == [sandbox]


async def test_websocket_busy_error_event_has_retry_after(make_client):
    client, _ = await make_client({"problem": Busy("full", retry_after=4)})
    ws = await client.ws_connect("/api/v1/stream")
    await ws.send_json({"cells": ["x"]})
    event = await ws.receive_json()
    assert event == {"type": "error", "error": {"kind": "busy", "message": "full"},
                     "status": 429, "retry_after": 4}


@pytest.mark.parametrize("origin, allowed", [
    ("http://localhost:3000", True), ("http://127.0.0.1", True),
    ("https://localhost:3000", False), ("http://localhost.evil.com", False),
    ("null", False),
])
async def test_origin_patterns(make_client, origin, allowed):
    client, _ = await make_client({"sandbox": FakeSandbox([])})
    resp = await client.post("/api/v1/run", json={"code": "1"}, headers={"Origin": origin})
    assert (resp.status == 200) is allowed
    assert (resp.headers.get("Access-Control-Allow-Origin") == origin) is allowed


def test_output_cap_counts_bytes_not_characters():
    result = RunResult(Settings(max_output_bytes=10), ncells=1)
    result.add_text("stdout", 0, "é" * 5)  # 10 bytes
    with pytest.raises(LimitExceeded):
        result.add_text("stdout", 0, "x")


def test_first_failure_is_kept():
    result = RunResult(Settings(), ncells=3)
    result.fail("exception", "ZeroDivisionError", cell=1)
    result.fail("sandbox", "later")
    body = result.as_json(1.0)
    assert body["error"]["kind"] == "exception" and len(body["cells"]) == 2


def test_settings_from_environment_and_arguments():
    env = {"LIVEGALLERY_TIMEOUT": "7.5", "LIVEGALLERY_POOL_SIZE": "0"}
    args = vars(argument_parser().parse_args(["--memory-mb", "256"]))
    settings = from_env(env, **args)
    assert (settings.timeout, settings.pool_size, settings.memory_mb) == (7.5, 0, 256)
    with pytest.raises(ValueError, match="LIVEGALLERY_PIDS"):
        from_env({"LIVEGALLERY_PIDS": "many"})
    with pytest.raises(ValueError, match="timeout"):
        Settings(timeout=0)


def test_hardening_is_complete():
    """Every restriction, each checked for its value, from settings that differ from the
    defaults (so a hard-coded value cannot pass); test_sandbox_limits.py checks inside a
    real container that the engine applies them."""
    settings = Settings(memory_mb=128, pids=32, cpus=0.5, tmp_mb=24, fsize_mb=3, nofile=99,
                        preload="numpy")
    config = container_config(settings, "sha256:x", "host/1/a")
    host = config["HostConfig"]
    assert config["Labels"] == {LABEL: "1", "livegallery.owner": "host/1/a"}
    assert config["NetworkDisabled"] is True and config["User"] == "10001:10001"
    assert "LIVEGALLERY_PRELOAD=numpy" in config["Env"]
    assert host["NetworkMode"] == "none" and host["CapDrop"] == ["ALL"]
    assert host["Privileged"] is False and host["SecurityOpt"] == ["no-new-privileges:true"]
    assert host["ReadonlyRootfs"] is True and host["LogConfig"]["Type"] == "none"
    assert host["IpcMode"] == "none" and host["OomScoreAdj"] == 1000
    assert host["Memory"] == host["MemorySwap"] == 128 * 1024 * 1024
    assert host["PidsLimit"] == 32 and host["NanoCpus"] == 500_000_000
    assert set(host["Tmpfs"]) == {"/tmp"}
    tmp = host["Tmpfs"]["/tmp"].split(",")
    assert {"rw", "nosuid", "nodev", "noexec", "size=24m"} <= set(tmp), tmp
    limits = {u["Name"]: (u["Soft"], u["Hard"]) for u in host["Ulimits"]}
    assert limits == {"fsize": (3 * 1024 * 1024,) * 2, "nofile": (99, 99), "core": (0, 0),
                      "msgqueue": (0, 0)}  # POSIX message queues refused
    assert not host.get("Binds") and not host.get("Mounts") and not host.get("Devices")


@pytest.mark.parametrize(("settings", "shares"), [
    ({}, 128), ({"spare_cpu_shares": 300}, 300), ({"spare_cpu_shares": 0}, None),
    ({"spare_cpu_shares": 1024}, None),  # the default weight: nothing to raise later
    ({"runtime": "runsc"}, None),  # runsc cannot raise it later (docker update fails)
])
def test_spare_containers_start_at_a_lower_cpu_weight(settings, shares):
    host = container_config(Settings(**settings), "sha256:x", "o")["HostConfig"]
    assert host.get("CpuShares") == shares
    assert Settings(**settings).cpu_priority is (shares is not None)


@pytest.mark.parametrize("shares", [1, -5, 262145])
def test_spare_cpu_shares_outside_cgroup_bounds_is_a_clear_error(shares):
    with pytest.raises(ValueError, match="spare_cpu_shares"):
        Settings(spare_cpu_shares=shares)


async def test_health_reports_the_sandbox_versions(make_client):
    client, _ = await make_client()
    body = await (await client.get("/api/v1/health")).json()
    assert body["versions"] == {"numpy": "2.4.6", "scikit-image": "0.26.0"}


async def test_files_reach_the_sandbox_over_post_and_websocket(make_client):
    client, pool = await make_client({"sandbox": FakeSandbox([])})
    files = {"helper.py": "N = 1\n", "_private2.py": ""}
    resp = await client.post("/api/v1/run", json={"cells": ["import helper"], "files": files})
    assert resp.status == 200 and pool.sandbox.files == files
    ws = await client.ws_connect("/api/v1/stream")
    await ws.send_json({"cells": ["import helper"], "files": {"other.py": "M = 2"}})
    assert (await ws.receive_json())["type"] == "done"
    assert pool.sandbox.files == {"other.py": "M = 2"}


@pytest.mark.parametrize("files", [
    {"../evil.py": ""}, {"a/b.py": ""}, {"helper.txt": ""}, {"1st.py": ""}, {".py": ""},
    {"helper.py": 3}, ["helper.py"], "helper.py", {f"m{i}.py": "" for i in range(65)},
])
async def test_bad_files_are_a_clear_400(make_client, files):
    client, pool = await make_client({"sandbox": FakeSandbox([])})
    resp = await client.post("/api/v1/run", json={"cells": ["1"], "files": files})
    body = await resp.json()
    assert resp.status == 400 and body["error"]["kind"] == "bad_request"
    assert '"files"' in body["error"]["message"]
    assert pool.released == []  # no sandbox was taken


def test_ready_versions_keep_only_strings():
    from livegallery.backend.protocol import Ready, parse_line

    ready = parse_line(b'{"type": "ready", "versions": {"numpy": "2.0", "bad": 1, "z": "1"}}')
    assert ready == Ready({"numpy": "2.0", "z": "1"})
    assert parse_line(b'{"type": "ready"}') == Ready({})  # an older image
    assert parse_line(b'{"type": "ready", "versions": ["numpy"]}') == Ready({})


@pytest.mark.parametrize("recorded", ["nested", "flat", None])
def test_harness_versions_from_the_image_file_or_the_installed_packages(tmp_path, recorded):
    """The harness reads /opt/livegallery/versions.json when the image has it, else asks
    importlib.metadata (run in a subprocess: importing the harness rewires fd 1)."""
    import json
    import subprocess
    import sys
    from importlib.metadata import version
    from pathlib import Path

    path = tmp_path / "versions.json"
    packages = {"scikit_image": "0.0.1", "PyWavelets": "1.8.0", "odd": 3}
    if recorded == "nested":  # as images/sandbox/versions.py writes it
        path.write_text(json.dumps({"python": "3.11.2", "packages": packages}))
    elif recorded == "flat":
        path.write_text(json.dumps(packages))
    harness = Path(__file__).parents[1] / "images" / "sandbox"
    code = ("import sys, json; sys.path.insert(0, sys.argv[1]); import harness; "
            "sys.stderr.write(json.dumps(harness.installed_versions(sys.argv[2])))")
    done = subprocess.run([sys.executable, "-c", code, str(harness), str(path)],
                          capture_output=True, text=True, check=True)
    versions = json.loads(done.stderr)
    if recorded:
        assert versions == {"scikit-image": "0.0.1", "pywavelets": "1.8.0"}
    else:
        assert versions["pytest"] == version("pytest") and versions["scikit-image"] != "0.0.1"


def test_thread_pools_follow_the_cpu_quota():
    one = container_config(Settings(cpus=1.0), "sha256:x", "o")["Env"]
    assert {"OMP_NUM_THREADS=1", "OPENBLAS_NUM_THREADS=1", "MKL_NUM_THREADS=1"} <= set(one)
    two = container_config(Settings(cpus=2.5), "sha256:x", "o")["Env"]
    assert "OPENBLAS_NUM_THREADS=2" in two and "OPENBLAS_NUM_THREADS=1" not in two
    assert "OMP_NUM_THREADS=1" in container_config(Settings(cpus=0.5), "sha256:x", "o")["Env"]


async def test_websocket_done_summary_leaves_out_streamed_outputs(make_client):
    script = [{"type": "stdout", "cell": 0, "data": "go\n"}]
    client, _ = await make_client({"sandbox": FakeSandbox(script)})
    ws = await client.ws_connect("/api/v1/stream")
    await ws.send_json({"cells": ["x"], "done": "summary"})
    assert (await ws.receive_json())["type"] == "stdout"
    done = await asyncio.wait_for(ws.receive_json(), 5)
    assert done["type"] == "done" and "cells" not in done["result"]
    assert done["result"]["ok"] is True and done["result"]["cells_reported"] == 1
    # Without "done" (clients before it existed) the result is whole, as before.
    ws = await client.ws_connect("/api/v1/stream")
    await ws.send_json({"cells": ["x"]})
    await ws.receive_json()
    done = await asyncio.wait_for(ws.receive_json(), 5)
    assert done["result"]["cells"][0]["stdout"] == "go\n"


async def test_websocket_unknown_done_form_is_a_clear_error(make_client):
    client, _ = await make_client({"sandbox": FakeSandbox([])})
    ws = await client.ws_connect("/api/v1/stream")
    await ws.send_json({"cells": ["x"], "done": "partial"})
    event = await ws.receive_json()
    assert event["type"] == "error" and event["status"] == 400
    assert '"done" must be' in event["error"]["message"]


def test_caps_and_capture_repr_reach_the_harness():
    config = container_config(Settings(max_image_bytes=123, max_html_bytes=456,
                                       capture_repr="__repr__"), "sha256:x", "host/1/a")
    assert {"LIVEGALLERY_MAX_IMAGE_BYTES=123", "LIVEGALLERY_MAX_HTML_BYTES=456",
            "LIVEGALLERY_CAPTURE_REPR=__repr__"} <= set(config["Env"])
    assert "LIVEGALLERY_CAPTURE_REPR=" in container_config(
        Settings(capture_repr=""), "sha256:x", "o")["Env"]
    with pytest.raises(ValueError, match="capture_repr"):
        Settings(capture_repr="_repr_html_; rm -rf /")
