"""nginx in front of the backend, tested for real: deploy/nginx/render.py's output passes
`nginx -t` in every shape, and a real nginx before a real backend carries runs over POST
and WebSocket, keeps /metrics private, and limits each client on its own.

Slow multi-host checks are in test_multihost.py (make test-deploy)."""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import urllib.error
import urllib.request

import aiohttp
import pytest

from .conftest import IMAGE
from .nginx_support import Nginx, nginx_problem, render, self_signed
from .service import Service, docker_available, free_port

pytestmark = pytest.mark.skipif(nginx_problem() is not None and not os.environ.get("CI"),
                                reason=str(nginx_problem()))


# -- the configuration ------------------------------------------------------------------

@pytest.mark.parametrize("settings", [
    {},
    {"NGINX_REAL_IP_FROM": "10.0.0.0/8,192.168.1.1", "NGINX_RUN_RATE": "5r/s"},
    {"NGINX_LISTEN_HTTPS": "127.0.0.1:8443", "NGINX_HTTP_REDIRECT": "1"},
    {"NGINX_LISTEN_HTTPS": "127.0.0.1:8443"},
])
def test_every_rendering_passes_nginx_t(settings, tmp_path):
    if "NGINX_LISTEN_HTTPS" in settings:
        cert, key = self_signed(tmp_path)
        settings = {**settings, "NGINX_TLS_CERT": str(cert), "NGINX_TLS_KEY": str(key),
                    "NGINX_LISTEN_HTTPS": f"127.0.0.1:{free_port()}"}
    nginx = Nginx({"a": "127.0.0.1:9001", "b": "127.0.0.1:9002", "c": "[::1]:9003"}, **settings)
    try:
        result = nginx.test()
        assert result.returncode == 0, result.stderr + nginx.conf.read_text()
    finally:
        nginx.stop()


def test_sessions_route_to_their_node_with_the_others_as_backup():
    text = render.render({"NGINX_UPSTREAMS": "a=h1:1,b=h2:2"})
    assert '"~^a\\." livegallery_node_a;' in text and '"~^b\\." livegallery_node_b;' in text
    block = text.split("upstream livegallery_node_b {")[1].split("}")[0]
    assert "server h2:2 max_fails" in block and "server h1:1 backup;" in block


@pytest.mark.parametrize("settings, message", [
    ({"NGINX_UPSTREAMS": "a=h1"}, "node=host:port"),
    ({"NGINX_UPSTREAMS": "a.b=h1:1"}, "node=host:port"),
    ({"NGINX_UPSTREAMS": "a=h1:1,a=h2:2"}, "twice"),
    ({"NGINX_UPSTREAMS": ""}, "no backend"),
    ({"NGINX_RUN_RATE": "fast"}, "NGINX_RUN_RATE"),
    ({"NGINX_REAL_IP_FROM": "evil; include /etc"}, "NGINX_REAL_IP_FROM"),
])
def test_bad_settings_are_refused_clearly(settings, message):
    with pytest.raises(render.ConfigError, match=message):
        render.render(settings)


def test_https_serves_and_http_redirects_when_asked(tmp_path):
    cert, key = self_signed(tmp_path)
    https = free_port()
    nginx = Nginx({"a": "127.0.0.1:9"}, NGINX_LISTEN_HTTPS=f"127.0.0.1:{https}",
                  NGINX_TLS_CERT=str(cert), NGINX_TLS_KEY=str(key), NGINX_HTTP_REDIRECT="1")
    docs = nginx.dir / "site"  # where nginx's workers may read
    docs.mkdir()
    (docs / "index.html").write_text("<p>docs</p>")
    nginx.env["NGINX_DOCS_DIR"] = str(docs)
    nginx.start()
    try:
        request = urllib.request.Request(nginx.url + "/page?x=1")
        with pytest.raises(urllib.error.HTTPError) as redirect:
            urllib.request.build_opener(NoRedirect).open(request, timeout=10)
        assert redirect.value.code == 308
        assert redirect.value.headers["Location"] == f"https://127.0.0.1:{https}/page?x=1"
        context = ssl.create_default_context(cafile=str(cert))
        with urllib.request.urlopen(f"https://localhost:{https}/", context=context) as resp:
            assert resp.read() == b"<p>docs</p>"
            assert "max-age" in resp.headers["Strict-Transport-Security"]
        # No backend answers on port 9: nginx's own JSON 503, not an HTML error page.
        with pytest.raises(urllib.error.HTTPError) as down:
            urllib.request.urlopen(urllib.request.Request(
                f"https://localhost:{https}/api/v1/health",
                headers={"Origin": "https://docs.example.org"}), context=context, timeout=10)
        assert down.value.code == 503
        assert json.load(down.value)["error"]["kind"] == "backend_unavailable"
        # A docs page on another origin can read the refusal and its Retry-After.
        assert down.value.headers["Access-Control-Allow-Origin"] == "https://docs.example.org"
        assert down.value.headers["Retry-After"] == "5"
    finally:
        nginx.stop()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


# -- a real nginx before a real backend -------------------------------------------------

@pytest.fixture(scope="module")
def backend():
    if not docker_available():
        pytest.skip("no Docker engine")
    service = Service(image=IMAGE, pool_size=1, timeout=5, queue_timeout=60, node="a")
    service.start()
    yield service
    service.stop()


def client(source: str) -> aiohttp.ClientSession:
    """A client with its own loopback source address: nginx sees a distinct client."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(source, 0)))


async def post_run(session, url, code="print(1)", body=None):
    async with session.post(url + "/api/v1/run", json=body or {"code": code}) as resp:
        return resp.status, await resp.json(content_type=None), resp.headers


@pytest.mark.docker
async def test_post_websocket_and_private_metrics_through_nginx(backend):
    nginx = Nginx({"a": f"127.0.0.1:{backend.port}"})
    nginx.start()
    try:
        async with client("127.0.0.1") as s:
            status, body, headers = await post_run(s, nginx.url, "print(6 * 7)")
            assert status == 200 and body["cells"][0]["stdout"] == "42\n"
            # nginx's request id reaches the backend, whose answer carries it back.
            rid = headers["X-Request-ID"]
            Service.wait_until(lambda: any(f"rid={rid}" in line for line in nginx.log_lines()),
                               10, "the request id in nginx's access log")
            Service.wait_until(lambda: f"[{rid}]: POST /api/v1/run 200" in
                               backend.log_path.read_text(), 10,
                               "the same id in the backend's log")
            async with s.ws_connect(nginx.url.replace("http", "ws") + "/api/v1/stream") as ws:
                await ws.send_json({"cells": ["print('streamed')"]})
                events = [json.loads(m.data) async for m in ws]
            assert events[0] == {"type": "stdout", "cell": 0, "data": "streamed\n"}
            assert events[-1]["type"] == "done" and events[-1]["result"]["ok"]
            async with s.get(nginx.url + "/metrics") as resp:
                assert resp.status == 404  # the public never sees /metrics...
            async with s.get(backend.url + "/metrics") as resp:
                assert resp.status == 200  # ...the operator does, on the backend
                assert "livegallery_runs_total" in await resp.text()
            async with s.get(nginx.url + "/") as resp:
                assert resp.status == 404  # no docs configured
    finally:
        nginx.stop()


@pytest.mark.docker
async def test_a_client_flooding_runs_is_refused_while_another_gets_through(backend):
    nginx = Nginx({"a": f"127.0.0.1:{backend.port}"}, NGINX_RUN_RATE="6r/m",
                  NGINX_RUN_BURST="2")
    nginx.start()
    try:
        async with client("127.0.0.2") as flood, client("127.0.0.3") as other:
            # Bodies the backend rejects (400) without a sandbox: the flood costs no run,
            # yet nginx counts each request against the client's rate.
            results = await asyncio.gather(*(post_run(flood, nginx.url, body={"cells": 1})
                                             for _ in range(8)))
            statuses = sorted(status for status, _, _ in results)
            assert statuses.count(429) >= 5 and set(statuses) == {400, 429}, statuses
            refused = [body for status, body, _ in results if status == 429]
            assert refused[0]["error"]["kind"] == "rate_limited"
            status, body, _ = await post_run(other, nginx.url)
            assert status == 200 and body["ok"], body
    finally:
        nginx.stop()


@pytest.mark.docker
async def test_a_client_holding_connections_is_capped_while_another_connects(backend):
    nginx = Nginx({"a": f"127.0.0.1:{backend.port}"}, NGINX_CONN_LIMIT="2",
                  NGINX_RUN_RATE="100r/s", NGINX_RUN_BURST="100")
    nginx.start()
    ws_url = nginx.url.replace("http", "ws") + "/api/v1/stream"
    try:
        async with client("127.0.0.2") as hog, client("127.0.0.3") as other:
            held = [await hog.ws_connect(ws_url) for _ in range(2)]  # open, no run yet
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await hog.ws_connect(ws_url)
            assert refused.value.status == 429
            ws = await other.ws_connect(ws_url)
            await ws.send_json({"code": "print(1)"})
            events = [json.loads(m.data) async for m in ws]
            assert events[-1]["type"] == "done" and events[-1]["result"]["ok"]
            for ws in held:
                await ws.close()
    finally:
        nginx.stop()


@pytest.mark.docker
async def test_forwarded_addresses_count_only_from_a_trusted_proxy(backend):
    """The limit's key is the TCP peer; X-Forwarded-For only from NGINX_REAL_IP_FROM. A
    client forging the header gets no fresh budget; a trusted proxy's readers each do."""
    nginx = Nginx({"a": f"127.0.0.1:{backend.port}"}, NGINX_RUN_RATE="6r/m",
                  NGINX_RUN_BURST="2", NGINX_REAL_IP_FROM="127.0.0.4")
    nginx.start()

    async def flood(session) -> list[int]:
        async def one(i):
            async with session.post(nginx.url + "/api/v1/run", json={"cells": 1},
                                    headers={"X-Forwarded-For": f"10.1.0.{i}"}) as resp:
                return resp.status
        return sorted(await asyncio.gather(*(one(i) for i in range(8))))
    try:
        async with client("127.0.0.2") as forger, client("127.0.0.4") as proxy:
            assert (await flood(forger)).count(429) >= 5
            assert await flood(proxy) == [400] * 8  # eight readers, one request each
    finally:
        nginx.stop()
