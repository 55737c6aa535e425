"""The WebSocket stream against the real service: live events, stop, disconnect."""

from __future__ import annotations

import asyncio
import contextlib
import time

import aiohttp
import pytest

from .service import containers

pytestmark = pytest.mark.docker


def ws_url(service) -> str:
    return service.url.replace("http://", "ws://") + "/api/v1/stream"


@contextlib.asynccontextmanager
async def stream(service):
    async with aiohttp.ClientSession() as session, session.ws_connect(ws_url(service)) as ws:
        yield ws


async def collect(ws, until="done", timeout=30):
    events = []
    async with asyncio.timeout(timeout):
        async for message in ws:
            event = message.json()
            events.append(event)
            if event["type"] in (until, "done", "error"):
                break
    return events


async def test_events_stream_in_order_and_done_matches_post(warm_service):
    cells = ["print('a')\nprint('b')", "import matplotlib.pyplot as plt\n_ = plt.plot([1])",
             "import sys\nprint('warn', file=sys.stderr)"]
    async with stream(warm_service) as ws:
        await ws.send_json({"cells": cells})
        events = await collect(ws)
    kinds = [(e["type"], e.get("cell")) for e in events]
    assert kinds == [("stdout", 0), ("stdout", 0), ("cell_done", 0), ("image", 1),
                     ("cell_done", 1), ("stderr", 2), ("cell_done", 2), ("done", None)]
    assert events[0]["data"] == "a\n" and events[3]["mime"] == "image/png"
    result = events[-1]["result"]
    status, posted = warm_service.run(cells)
    assert set(result) == set(posted) == {"ok", "cells", "error", "duration_ms", "session"}

    def strip(r):
        return [(c["stdout"], c["stderr"], len(c["images"])) for c in r["cells"]]
    assert strip(result) == strip(posted) == [("a\nb\n", "", 0), ("", "", 1), ("", "warn\n", 0)]
    assert events[3]["data"] == result["cells"][1]["images"][0]["data"]


async def test_output_arrives_while_the_code_runs(warm_service):
    # The sandbox shares the host's clock: the first line must reach the client before
    # the code even printed its second one (not batched at the end of the run).
    code = "import time\nprint('early', flush=True)\ntime.sleep(1.5)\nprint(time.time())"
    async with stream(warm_service) as ws:
        await ws.send_json({"cells": [code]})
        first = (await ws.receive()).json()
        received_at = time.time()
        rest = await collect(ws)
    assert first == {"type": "stdout", "cell": 0, "data": "early\n"}
    late_printed_at = float(rest[0]["data"])
    assert received_at < late_printed_at
    assert rest[-1]["result"]["cells"][0]["stdout"].startswith("early\n")


async def test_stop_kills_the_run(warm_service):
    owner = warm_service.owner
    async with stream(warm_service) as ws:
        await ws.send_json({"cells": ["print('go', flush=True)\nwhile True:\n    pass"]})
        assert (await ws.receive()).json()["data"] == "go\n"
        await ws.send_json({"type": "stop"})
        events = await collect(ws, timeout=5)
    result = events[-1]["result"]
    assert result["error"]["kind"] == "stopped" and result["error"]["cell"] == 0
    assert result["cells"][0]["stdout"] == "go\n"
    assert result["duration_ms"] < warm_service.settings["timeout"] * 1000
    assert result["session"]  # Stop kills the run, not the reader's session
    warm_service.wait_idle()
    health = warm_service.health()[1]
    assert len(containers(owner)) == health["pool"]["ready"] + health["sessions"]["live"]


async def test_disconnect_kills_the_run_and_its_container(warm_service):
    owner = warm_service.owner
    timeout = warm_service.settings["timeout"]
    # The run names its container: the host name of a container is its short id.
    code = "import socket\nprint(socket.gethostname(), flush=True)\nwhile True:\n    pass"
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(ws_url(warm_service))
        await ws.send_json({"cells": [code]})
        host = (await ws.receive()).json()["data"].strip()
        [running] = [c for c in containers(owner) if c.startswith(host)]
        started = time.monotonic()
        await ws.close()
    # Waited for generously, but it must be gone well before the run's timeout would
    # have killed it: the disconnect did it.
    warm_service.wait_until(lambda: running not in containers(owner), 4 * timeout,
                            "the run's container to be removed")
    took = time.monotonic() - started
    assert took < timeout / 2, f"the container went {took:.1f} s after the disconnect"
    warm_service.wait_idle()
    health = warm_service.health()[1]  # its token never reached anyone: no session kept
    assert len(containers(owner)) == health["pool"]["ready"] + health["sessions"]["live"]


async def test_bad_first_message_gets_an_error_event(warm_service):
    async with stream(warm_service) as ws:
        await ws.send_str('{"cells": []}')
        event = (await ws.receive()).json()
        assert event["type"] == "error" and event["status"] == 400
        assert event["error"]["kind"] == "bad_request"
        assert (await ws.receive()).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_stream_refuses_foreign_origins(warm_service):
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await session.ws_connect(ws_url(warm_service), origin="https://evil.example")
    assert info.value.status == 403
