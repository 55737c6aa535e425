"""Fast tests of /metrics, request ids and the runtime setting, with the fake pool of
test_backend_unit (no Docker). The deploy tests scrape a real backend too."""

from __future__ import annotations

import logging

from prometheus_client.parser import text_string_to_metric_families

from livegallery.backend.config import Settings
from livegallery.backend.errors import Busy
from livegallery.backend.hardening import container_config
from livegallery.backend.metrics import RequestIdFilter, incoming_request_id, request_id

from .test_backend_unit import FakeSandbox


async def scrape(client) -> dict:
    resp = await client.get("/metrics")
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(await resp.text()):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_runs_are_counted_by_outcome_and_kind(make_client):
    client, _ = await make_client({"sandbox": FakeSandbox([])})
    before = await scrape(client)
    assert (await client.post("/api/v1/run", json={"code": "1"})).status == 200
    assert (await client.post("/api/v1/run", json={"nope": 1})).status == 400
    after = await scrape(client)
    assert value(after, "livegallery_runs_total", outcome="ok", kind="") == \
        value(before, "livegallery_runs_total", outcome="ok", kind="") + 1
    assert value(after, "livegallery_run_seconds_count") == \
        value(before, "livegallery_run_seconds_count") + 1
    assert value(after, "livegallery_queue_wait_seconds_count") == \
        value(before, "livegallery_queue_wait_seconds_count") + 1
    assert value(after, "livegallery_http_responses_total", code="400") == \
        value(before, "livegallery_http_responses_total", code="400") + 1
    # The fake pool's stats() offers "ready": 1, read at scrape time.
    assert value(after, "livegallery_pool_ready") == 1


async def test_refused_runs_are_counted(make_client):
    client, _ = await make_client({"problem": Busy("full")})
    before = await scrape(client)
    assert (await client.post("/api/v1/run", json={"code": "1"})).status == 429
    after = await scrape(client)
    key = dict(outcome="refused", kind="busy")
    assert value(after, "livegallery_runs_total", **key) == \
        value(before, "livegallery_runs_total", **key) + 1
    assert value(after, "livegallery_http_responses_total", code="429") == \
        value(before, "livegallery_http_responses_total", code="429") + 1


async def test_request_id_is_kept_when_well_formed_and_made_otherwise(make_client):
    client, _ = await make_client({"sandbox": FakeSandbox([])})
    resp = await client.get("/api/v1/health", headers={"X-Request-ID": "abc-123"})
    assert resp.headers["X-Request-ID"] == "abc-123"
    resp = await client.get("/api/v1/health", headers={"X-Request-ID": "bad id <script>"})
    assert len(resp.headers["X-Request-ID"]) == 32 and " " not in resp.headers["X-Request-ID"]
    ws = await client.ws_connect("/api/v1/stream", headers={"X-Request-ID": "ws-1"})
    assert ws._response.headers["X-Request-ID"] == "ws-1"
    await ws.close()


def test_log_records_carry_the_request_id():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", (), None)
    token = request_id.set("rid-7")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id.reset(token)
    assert record.request_id == "rid-7"
    assert incoming_request_id("a" * 200) != "a" * 200


def test_runtime_setting_selects_the_oci_runtime():
    assert "Runtime" not in container_config(Settings(), "img", "o")["HostConfig"]
    host = container_config(Settings(runtime="runsc"), "img", "o")["HostConfig"]
    assert host["Runtime"] == "runsc"


async def test_a_stream_to_a_full_service_is_refused_before_the_upgrade(make_client):
    client, pool = await make_client({"sandbox": FakeSandbox([])}, max_concurrent=1,
                                     queue_size=0)
    pool.stats = lambda: {"in_use": 1, "waiting": 0}
    resp = await client.get("/api/v1/stream", headers={
        "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
    assert resp.status == 429 and (await resp.json())["error"]["kind"] == "busy"
    pool.stats = lambda: {"in_use": 0, "waiting": 0}
    ws = await client.ws_connect("/api/v1/stream")
    await ws.send_json({"code": "1"})
    assert (await ws.receive_json())["type"] == "done"
