"""Several backend hosts behind one real nginx, with real Docker (make test-deploy).

Three backends on loopback ports stand for three hosts. The load spreads over all of
them; a host killed mid-load costs only the runs in flight on it, and it rejoins when it
comes back; a run refused with 429 is retried on another host; a session token routes a
reader to the host that holds it, and to another when that host is gone."""

from __future__ import annotations

import asyncio
import json
import re
import signal

import aiohttp
import pytest

from .conftest import IMAGE
from .nginx_support import Nginx, nginx_problem
from .service import Service, containers

pytestmark = [pytest.mark.deploy, pytest.mark.docker]

NODES = ("a", "b", "c")
#: Small hosts so the machine copes with three: one warm sandbox with nothing preloaded
#: (runs here only print), two runs at once and no queue, so a third is refused with 429.
HOST_SETTINGS = dict(image=IMAGE, pool_size=1, preload="", max_concurrent=2, queue_size=0,
                     timeout=15)
SLOW = "import time; time.sleep({s}); print('done')"


def start_backend(node: str, port: int | None = None) -> Service:
    service = Service(node=node, **HOST_SETTINGS)
    if port:  # a host coming back on its old address
        service.port, service.url = port, f"http://127.0.0.1:{port}"
    service.start()
    return service


@pytest.fixture(scope="module")
def hosts():
    if nginx_problem():
        pytest.fail(nginx_problem())
    backends = {node: start_backend(node) for node in NODES}
    nginx = Nginx({n: f"127.0.0.1:{b.port}" for n, b in backends.items()},
                  NGINX_RUN_RATE="100r/s", NGINX_RUN_BURST="100", NGINX_CONN_LIMIT="100")
    nginx.start()
    yield backends, nginx
    nginx.stop()
    for backend in backends.values():
        backend.stop()


def _tried(nginx: Nginx, rid: str):
    for line in nginx.log_lines():
        if f"rid={rid}" in line:
            return re.search(r"upstream=(\S.*) upstream_status=(.*)$", line).groups()
    return None


async def tried(nginx: Nginx, rid: str) -> tuple[str, str]:
    """The hosts nginx tried for one request and their answers, from its access log
    (written once the connection is done with)."""
    return await asyncio.to_thread(Service.wait_until, lambda: _tried(nginx, rid), 15,
                                   f"request {rid} in the access log")


async def post(session, nginx, code="print(1)", query=""):
    async with session.post(f"{nginx.url}/api/v1/run{query}", json={"code": code}) as resp:
        return resp.status, await resp.json(content_type=None), resp.headers.get("X-Request-ID")


async def stream(session, nginx, code) -> str:
    """One run over WebSocket: "ok", "refused" (an error event: busy), or "lost" (the
    stream ended with no result)."""
    try:
        async with session.ws_connect(nginx.url.replace("http", "ws") + "/api/v1/stream") as ws:
            await ws.send_json({"code": code})
            async for message in ws:
                event = json.loads(message.data)
                if event["type"] == "done":
                    return "ok" if event["result"]["ok"] else "failed"
                if event["type"] == "error":
                    return "refused"
    except aiohttp.ClientError:
        pass
    return "lost"


def runs_ok(backend: Service) -> float:
    status, _, raw = backend.request("GET", "/metrics")
    match = re.search(r'^livegallery_runs_total\{kind="",outcome="ok"\} (\S+)$', raw.decode(), re.M)
    return float(match.group(1)) if match else 0.0


async def test_load_spreads_and_a_killed_host_costs_only_its_runs_in_flight(hosts):
    backends, nginx = hosts
    before = {n: runs_ok(b) for n, b in backends.items()}
    async with aiohttp.ClientSession() as session:
        # Six at once: the three hosts' capacity together (two each, no queue).
        results = await asyncio.gather(*(post(session, nginx, SLOW.format(s=0.5))
                                         for _ in range(6)))
        assert all(status == 200 and body["ok"] for status, body, _ in results), \
            [(status, body.get("error")) for status, body, _ in results]
        spread = {n: runs_ok(b) - before[n] for n, b in backends.items()}
        assert all(count >= 1 for count in spread.values()), spread

        # Streams on every host; b dies while some of its runs are in flight.
        victim = backends["b"]
        load = [asyncio.create_task(stream(session, nginx, SLOW.format(s=3))) for _ in range(4)]
        await asyncio.to_thread(Service.wait_until,
                                lambda: victim.health()[1].get("pool", {}).get("in_use", 0) >= 1,
                                30, "a run in flight on host b")
        owner = victim.owner
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait()
        outcomes = await asyncio.gather(*load)
        # Lost: the runs b held (one or two: its capacity), and nothing else.
        assert 1 <= outcomes.count("lost") <= HOST_SETTINGS["max_concurrent"], outcomes
        assert outcomes.count("ok") == len(outcomes) - outcomes.count("lost"), outcomes

        # With b down, every run within a and c's capacity still succeeds: nginx retries
        # b's refused connection on another host.
        results = await asyncio.gather(*(post(session, nginx) for _ in range(4)))
        assert all(status == 200 and body["ok"] for status, body, _ in results), \
            [(status, body.get("error")) for status, body, _ in results]

        # b comes back on its address, sweeps what its killed process left, and rejoins.
        backends["b"] = start_backend("b", victim.port)
        await asyncio.to_thread(Service.wait_until, lambda: not containers(owner), 30,
                                "the killed host's sandboxes to be swept")
        for _ in range(3):
            results = await asyncio.gather(*(post(session, nginx) for _ in range(3)))
            assert all(status == 200 for status, _, _ in results), results
        assert runs_ok(backends["b"]) >= 1


async def test_a_refused_run_is_retried_on_another_host(hosts):
    backends, nginx = hosts
    busy = backends["a"]
    async with aiohttp.ClientSession() as session:
        # Fill host a directly (two runs at once, no queue): it now answers 429.
        hogs = [asyncio.create_task(post(session, busy, SLOW.format(s=8))) for _ in range(2)]
        await asyncio.to_thread(Service.wait_until,
                                lambda: busy.health()[1]["pool"]["in_use"] >= 2, 30,
                                "host a to be full")
        status, body, rid = await post(session, nginx, query="?session=a.token")
        assert status == 200 and body["ok"], body
        upstreams, statuses = await tried(nginx, rid)
        assert statuses.startswith("429, 200"), (upstreams, statuses)
        assert upstreams.startswith(f"127.0.0.1:{busy.port}, ")
        # A stream too: the full host refuses the handshake, nginx upgrades elsewhere.
        assert busy.health()[1]["pool"]["in_use"] >= 2
        url = nginx.url.replace("http", "ws") + "/api/v1/stream?session=a.token"
        async with session.ws_connect(url) as ws:
            rid = ws._response.headers["X-Request-ID"]
            await ws.send_json({"code": "print('elsewhere')"})
            events = [json.loads(m.data) async for m in ws]
        assert events[-1]["type"] == "done" and events[-1]["result"]["ok"], events
        upstreams, statuses = await tried(nginx, rid)
        assert statuses.startswith("429, 101"), (upstreams, statuses)
        await asyncio.gather(*hogs)


async def test_a_session_goes_to_its_host_and_elsewhere_when_that_host_is_gone(hosts):
    backends, nginx = hosts
    holder = backends["c"]
    async with aiohttp.ClientSession() as session:
        for _ in range(3):
            status, body, rid = await post(session, nginx, query="?session=c.Zm9v")
            assert status == 200 and body["ok"]
            assert (await tried(nginx, rid))[0] == f"127.0.0.1:{holder.port}"
        holder.stop()
        try:
            status, body, rid = await post(session, nginx, query="?session=c.Zm9v")
            assert status == 200 and body["ok"], body  # a fresh sandbox on a backup host
            assert (await tried(nginx, rid))[0].split(", ")[-1] != f"127.0.0.1:{holder.port}"
        finally:
            backends["c"] = start_backend("c", holder.port)
