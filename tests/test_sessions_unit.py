"""Fast tests of sessions, the pool's problem handling and engine-error mapping (no
Docker). tests/test_sessions.py checks the same against the real engine."""

from __future__ import annotations

import re
import time

import aiodocker
import pytest

from livegallery.backend.config import Settings
from livegallery.backend.errors import SandboxFailed, SandboxUnavailable, ServiceError
from livegallery.backend.executor import docker_failure
from livegallery.backend.pool import Pool
from livegallery.backend.sessions import Sessions
from livegallery.backend.upkeep import REFILL_HOLD

from .test_backend_unit import FakeSandbox


class Box:
    """Stands in for a Sandbox: sessions only look at ``alive``."""

    def __init__(self):
        self.alive = True
        self.image_id = "sha256:one"


def test_tokens_are_random_and_carry_the_node_prefix():
    plain = Sessions(Settings(max_sessions=4))
    tokens = {plain.new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", t) for t in tokens)
    routed = Sessions(Settings(max_sessions=4, node="web-2"))
    assert re.fullmatch(r"web-2\.[A-Za-z0-9_-]{32}", routed.new_token())


def test_find_only_knows_live_tokens_of_live_sandboxes():
    sessions = Sessions(Settings(max_sessions=4))
    session, _ = sessions.open(Box())
    assert sessions.find(session.token) is session
    for bad in (None, "", "nope", session.token + "x", 5, session.token.upper()):
        assert sessions.find(bad) is None
    session.sandbox.alive = False  # its container broke: the token leads nowhere
    assert sessions.find(session.token) is None


def test_least_recently_used_idle_session_is_evicted_never_a_busy_one():
    sessions = Sessions(Settings(max_sessions=2))
    a, _ = sessions.open(Box())
    b, _ = sessions.open(Box())
    a.busy = b.busy = False
    sessions.touch(a)  # b is now the least recently used
    c, evicted = sessions.open(Box())
    assert evicted == [b] and b.closed and sessions.find(b.token) is None
    assert sessions.find(a.token) is a and c is not None
    a.busy = True  # c stays busy (its run is settling) and a runs: no room
    d, evicted = sessions.open(Box())
    assert d is None and evicted == []


def test_idle_and_old_sessions_expire():
    settings = Settings(max_sessions=4, session_idle=10, session_max_age=100)
    sessions = Sessions(settings)
    idle, _ = sessions.open(Box())
    old, _ = sessions.open(Box())
    running, _ = sessions.open(Box())
    idle.busy = old.busy = False
    idle.last_used -= 11
    old.created -= 101
    running.last_used -= 50  # busy: never expired under its run
    assert set(sessions.expired("sha256:one")) == {idle, old}
    assert sessions.all() == [running]
    running.busy = False
    assert sessions.expired("sha256:rebuilt") == [running]  # the image tag moved on


def test_docker_failure_names_an_error_without_a_message():
    failure = docker_failure(TimeoutError())
    assert failure.message == "The Docker engine is unreachable: TimeoutError"


def test_docker_refusing_is_a_service_error_not_sandbox_failed():
    failure = docker_failure(aiodocker.DockerError(400, {"message": "invalid reference"}))
    assert isinstance(failure, ServiceError) and failure.status == 503
    assert "invalid reference" in failure.message


class RefusingDocker:
    class images:
        @staticmethod
        async def inspect(name):
            raise aiodocker.DockerError(400, {"message": f"invalid reference {name}"})


async def test_a_refused_image_makes_requests_fail_with_503_not_500():
    pool = Pool(RefusingDocker(), Settings(image="Not:Valid", pool_size=0))
    await pool._check_image()
    assert isinstance(pool.problem, ServiceError)
    with pytest.raises(ServiceError) as caught:
        await pool.acquire()
    assert caught.value.status == 503
    pool._set_problem(SandboxFailed("the sandbox failed to start"))  # from a start
    assert isinstance(pool.problem, SandboxUnavailable)


async def test_session_from_body_or_query_reaches_the_pool(make_client):
    client, pool = await make_client({"sandbox": FakeSandbox([])})
    resp = await client.post("/api/v1/run", json={"code": "1", "session": "tok-body"})
    assert (await resp.json())["session"] == "fake-token"
    await client.post("/api/v1/run?session=tok-query", json={"code": "1"})
    await client.post("/api/v1/run?session=tok-query", json={"code": "1", "session": "b"})
    ws = await client.ws_connect("/api/v1/stream?session=tok-ws")
    await ws.send_json({"cells": ["1"]})
    done = await ws.receive_json()
    assert done["result"]["session"] == "fake-token"
    assert pool.tokens == ["tok-body", "tok-query", "b", "tok-ws"]
    resp = await client.post("/api/v1/run", json={"code": "1", "session": ["x"]})
    assert resp.status == 400 and "session" in (await resp.json())["error"]["message"]


def test_a_refill_waits_for_the_first_run_it_replaces_but_not_long():
    """The refill's engine work would slow the run that took the container: it waits
    for that run, at most REFILL_HOLD with cpu_priority; never when someone needs a fresh
    sandbox or no ready one is left; without cpu_priority, for every run (the old rule)."""
    pool = Pool(None, Settings())
    pool.ready.append(Box())
    assert not pool._refill_waits()  # no run going
    taken = Box()
    pool.busy.add(taken)
    pool.fresh_runs.add(taken)
    pool._hold_until = time.monotonic() + REFILL_HOLD
    assert pool._refill_waits()
    assert 0 < pool._tick() <= REFILL_HOLD  # the loop wakes when the hold ends
    pool.waiting_fresh = 1
    assert not pool._refill_waits()  # a request waits for a fresh sandbox: start now
    pool.waiting_fresh = 0
    pool._hold_until = time.monotonic() - 0.01
    assert not pool._refill_waits()  # held long enough
    pool.fresh_runs.clear()
    pool._hold_until = time.monotonic() + REFILL_HOLD
    assert not pool._refill_waits()  # only a run in a just-taken container holds it

    old = Pool(None, Settings(spare_cpu_shares=0))
    old.ready.append(Box())
    old.busy.add(Box())  # any run, however long
    assert old._refill_waits()
    old.ready.clear()
    assert not old._refill_waits()  # nothing ready: never wait
