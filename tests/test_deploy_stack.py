"""The compose stack end to end (make test-deploy): from a fresh clone of this repository's
HEAD, `make deploy` brings nginx and the backend up; a run works through nginx over POST
and WebSocket, on HTTP and HTTPS (the generated self-signed certificate); the docs are
served; /metrics answers on the backend's loopback port and not through nginx; and
`make deploy-down` leaves no container. A private settings file and project name keep it
apart from an operator's stack on the same engine."""

from __future__ import annotations

import json
import ssl
import subprocess
import urllib.request
import uuid

import aiohttp
import pytest

from .service import ROOT, free_port

pytestmark = [pytest.mark.deploy, pytest.mark.docker]


def settings_file(path, **values) -> None:
    lines = (ROOT / "deploy" / ".env.example").read_text().splitlines()
    keep = [line for line in lines if line.split("=", 1)[0] not in values]
    path.write_text("\n".join(keep + [f"{k}={v}" for k, v in values.items()]) + "\n")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stack")
    clone = tmp / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    docs = tmp / "docs"
    docs.mkdir()
    (docs / "index.html").write_text("<h1>the gallery</h1>")
    ports = {"HTTP_PORT": free_port(), "HTTPS_PORT": free_port(), "METRICS_PORT": free_port()}
    env_file = tmp / "stack.env"
    settings_file(env_file, TLS_DIR=tmp / "tls", DOCS_DIR=docs, LIVEGALLERY_POOL_SIZE=1,
                  **ports)
    env = {"LIVEGALLERY_ENV_FILE": str(env_file),
           "COMPOSE_PROJECT_NAME": f"lgtest{uuid.uuid4().hex[:8]}",
           "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
    up = subprocess.run(["make", "-C", str(clone), "deploy"], env=env, capture_output=True,
                        text=True, timeout=900)
    info = {"env": env, "clone": clone, "tls": tmp / "tls", **ports, "up": up}
    try:
        assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
        yield info
    finally:
        down = subprocess.run(["make", "-C", str(clone), "deploy-down"], env=env,
                              capture_output=True, text=True, timeout=300)
        info["down"] = down
        assert down.returncode == 0, down.stdout + down.stderr


def post(url: str, context=None) -> tuple[int, dict, dict]:
    req = urllib.request.Request(url + "/api/v1/run", data=b'{"code": "print(6 * 7)"}',
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60, context=context) as resp:
        return resp.status, json.load(resp), dict(resp.headers)


def get(url: str, context=None) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=20, context=context) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


async def test_a_run_through_nginx_over_post_and_websocket_on_http_and_https(stack):
    tls = ssl.create_default_context(cafile=str(stack["tls"] / "cert.pem"))
    for url, context in [(f"http://127.0.0.1:{stack['HTTP_PORT']}", None),
                         (f"https://localhost:{stack['HTTPS_PORT']}", tls)]:
        status, body, headers = post(url, context)
        assert status == 200 and body["cells"][0]["stdout"] == "42\n"
        assert len(headers["X-Request-ID"]) == 32
        async with aiohttp.ClientSession() as session:
            ws_url = url.replace("http", "ws", 1) + "/api/v1/stream"
            async with session.ws_connect(ws_url, ssl=context or False) as ws:
                await ws.send_json({"cells": ["print('over the socket')"]})
                events = [json.loads(m.data) async for m in ws]
        assert events[0]["data"] == "over the socket\n" and events[-1]["result"]["ok"]
        assert get(url + "/", context) == (200, "<h1>the gallery</h1>")


def test_metrics_on_the_backend_only(stack):
    status, text = get(f"http://127.0.0.1:{stack['METRICS_PORT']}/metrics")
    assert status == 200
    values = dict(line.rsplit(" ", 1) for line in text.splitlines()
                  if line and not line.startswith("#"))
    # make deploy's own check and the runs of the test before this one
    assert float(values['livegallery_runs_total{kind="",outcome="ok"}']) >= 2
    assert float(values["livegallery_container_start_seconds_count"]) >= 1
    assert float(values["livegallery_pool_size"]) == 1
    assert get(f"http://127.0.0.1:{stack['HTTP_PORT']}/metrics")[0] == 404


def test_down_leaves_no_container(stack):
    """Runs last in this module: it takes the stack down itself and checks."""
    project = stack["env"]["COMPOSE_PROJECT_NAME"]
    backend = subprocess.run(["docker", "ps", "-q", "--filter",
                              f"label=com.docker.compose.project={project}",
                              "--filter", "label=com.docker.compose.service=backend"],
                             capture_output=True, text=True, check=True).stdout.split()
    host = subprocess.run(["docker", "inspect", "--format", "{{.Config.Hostname}}", *backend],
                          capture_output=True, text=True, check=True).stdout.strip()
    down = subprocess.run(["make", "-C", str(stack["clone"]), "deploy-down"], env=stack["env"],
                          capture_output=True, text=True, timeout=300)
    assert down.returncode == 0, down.stderr
    left = subprocess.run(["docker", "ps", "-aq", "--filter",
                           f"label=com.docker.compose.project={project}"],
                          capture_output=True, text=True, check=True).stdout.split()
    assert left == []
    owners = subprocess.run(["docker", "ps", "-a", "--filter", "label=livegallery", "--format",
                             '{{.Label "livegallery.owner"}}'],
                            capture_output=True, text=True, check=True).stdout.split()
    assert not [o for o in owners if o.startswith(host + "/")]
