"""The HTTP contract: ``POST /api/v1/run``, ``GET /api/v1/stream`` (WebSocket) and
``GET /api/v1/health``, with JSON errors for every bad input and CORS checks.

Every non-200 answer has the body ``{"error": {"kind": str, "message": str}}``; a reader's
code that fails is a normal 200 with ``ok: false``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from . import __version__
from .config import Settings
from .errors import BadRequest, Busy, Forbidden, ServiceError, TooLarge
from .executor import DOCKER_ERRORS, docker_failure
from .inputs import parse_cells, parse_files, parse_json, parse_session
from .metrics import TimedPool, count_refused, count_run
from .results import summary
from .runs import run_cells

log = logging.getLogger(__name__)

API = "/api/v1"
#: What the app holds: set by the app factory, read by the handlers.
SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", object)
DOCKER = web.AppKey("docker", object)
#: How long a WebSocket client has to send its cells after connecting.
FIRST_MESSAGE_TIMEOUT = 30.0
#: What the ``done`` event of the stream carries: the whole result (the default, as
#: clients before 0.2 expect) or, when the first message asks ``"done": "summary"``,
#: the result without the outputs that were already streamed.
DONE_FORMS = ("full", "summary")


# -- input ------------------------------------------------------------------------------

async def read_body(request: web.Request) -> bytes:
    settings: Settings = request.app[SETTINGS]
    if (request.content_length or 0) > settings.max_body_bytes:
        raise TooLarge(f"The body is larger than {settings.max_body_bytes:,} bytes.")
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise TooLarge(f"The body is larger than {settings.max_body_bytes:,} bytes.") from None


# -- origins ----------------------------------------------------------------------------

def origin_allowed(origin: str, request: web.Request) -> bool:
    """Same-origin requests, and those from the configured origins, may use the API."""
    if origin == f"{request.scheme}://{request.host}":
        return True
    for allowed in request.app[SETTINGS].origins:
        if allowed in ("*", origin):
            return True
        if allowed.endswith(":*"):
            pattern, got = urlsplit(allowed[:-2]), urlsplit(origin)
            if (got.scheme, got.hostname) == (pattern.scheme, pattern.hostname):
                return True
    return False


def check_origin(request: web.Request) -> None:
    origin = request.headers.get("Origin")
    if origin is not None and not origin_allowed(origin, request):
        raise Forbidden(f"Requests from the origin {origin} are not allowed.")


@web.middleware
async def cors_middleware(request: web.Request, handler):
    if not request.path.startswith(API + "/"):
        return await handler(request)
    if request.method == "OPTIONS":  # a preflight
        check_origin(request)
        response = web.Response(status=204)
        response.headers.update({
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "600",
        })
    else:
        response = await handler(request)
    origin = request.headers.get("Origin")
    if origin and origin_allowed(origin, request) and not response.prepared:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    return response


@web.middleware
async def error_middleware(request: web.Request, handler):
    """Every failure of an API call becomes a JSON error with a stable kind."""
    try:
        return await handler(request)
    except ServiceError as exc:
        return error_response(exc)
    except web.HTTPException as exc:
        if not request.path.startswith(API) or exc.status < 400:
            raise
        kind = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
            exc.status, "bad_request")
        return web.json_response({"error": {"kind": kind, "message": exc.reason}},
                                 status=exc.status)
    except Exception:
        if not request.path.startswith(API):
            raise
        log.exception("internal error on %s", request.path)
        return web.json_response(
            {"error": {"kind": "internal", "message": "Internal error; see the service log."}},
            status=500)


def error_response(exc: ServiceError) -> web.Response:
    response = web.json_response(exc.body(), status=exc.status)
    if hasattr(exc, "retry_after"):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


# -- handlers ---------------------------------------------------------------------------

async def run(request: web.Request) -> web.Response:
    check_origin(request)
    payload = parse_json(await read_body(request))
    cells = parse_cells(payload, request.app[SETTINGS])
    files = parse_files(payload)
    token = parse_session(payload, request)
    return web.json_response(await measured_run(request.app[POOL], cells, session=token,
                                                files=files))


async def measured_run(pool, cells: list[str], *args, **kwargs) -> dict:
    """``run_cells`` with its outcome, duration and queue wait counted for /metrics."""
    started = time.perf_counter()
    try:
        result = await run_cells(TimedPool(pool), cells, *args, **kwargs)
    except ServiceError as exc:
        count_refused(exc.kind)
        raise
    count_run(result, time.perf_counter() - started)
    return result


async def stream(request: web.Request) -> web.WebSocketResponse:
    """Like ``run``, with events sent as they happen and ``{"type": "stop"}`` accepted."""
    check_origin(request)
    settings: Settings = request.app[SETTINGS]
    refuse_if_full(request.app[POOL], settings)
    ws = web.WebSocketResponse(heartbeat=20, max_msg_size=settings.max_body_bytes)
    await ws.prepare(request)
    try:
        cells, files, done_form, payload = await _first_cells(ws, settings)
        await _stream_run(ws, request.app[POOL], cells, files, done_form,
                          parse_session(payload, request))
    except ServiceError as exc:
        with contextlib.suppress(ConnectionError, RuntimeError):
            event = {"type": "error", "error": exc.body()["error"], "status": exc.status}
            if hasattr(exc, "retry_after"):
                event["retry_after"] = exc.retry_after
            await ws.send_json(event)
    finally:
        await ws.close()
    return ws


def refuse_if_full(pool, settings: Settings) -> None:
    """A stream asked for while every slot and queue place is taken is refused with a
    plain 429 before the upgrade, so a proxy can try another host (a refusal inside the
    stream cannot be retried). A stream accepted here may still meet a busy event."""
    stats = pool.stats()
    taken = stats.get("in_use", 0) + stats.get("waiting", 0)
    if taken >= settings.max_concurrent + settings.queue_size:
        count_refused(Busy.kind)
        raise Busy("All sandboxes are busy and the queue is full; try again shortly.")


async def _first_cells(ws: web.WebSocketResponse,
                       settings: Settings) -> tuple[list[str], dict[str, str], str, dict]:
    try:
        message = await asyncio.wait_for(ws.receive(), FIRST_MESSAGE_TIMEOUT)
    except TimeoutError:
        raise BadRequest("No cells were sent.") from None
    if message.type == WSMsgType.ERROR or (
            message.type == WSMsgType.CLOSE and message.data == 1009):
        raise TooLarge(f"The message is larger than {settings.max_body_bytes:,} bytes.")
    if message.type != WSMsgType.TEXT:
        raise BadRequest('Send one text message: {"cells": ["<python>", ...]}.')
    payload = parse_json(message.data)
    cells = parse_cells(payload, settings)
    done_form = payload.get("done", "full")
    if done_form not in DONE_FORMS:
        raise BadRequest('"done" must be "full" or "summary".')
    return cells, parse_files(payload), done_form, payload


async def _stream_run(ws: web.WebSocketResponse, pool, cells: list[str],
                      files: dict[str, str], done_form: str = "full",
                      token: str | None = None) -> None:
    stop = asyncio.Event()
    gone = asyncio.Event()  # the client went away (a Stop alone keeps the session)

    async def listen():
        # A stop message, or the client going away, kills the run at once.
        async for message in ws:
            if message.type == WSMsgType.TEXT and _is_stop(message.data):
                stop.set()
        gone.set()
        stop.set()

    async def send(event: dict):
        try:
            await ws.send_json(event)
        except (ConnectionError, RuntimeError):
            gone.set()
            stop.set()

    listener = asyncio.create_task(listen())
    try:
        result = await measured_run(pool, cells, send, stop, session=token, files=files)
        await send({"type": "done", "result": summary(result) if done_form == "summary"
                    else result})
        if gone.is_set():
            pool.end_session(result.get("session"))  # nobody can send this token back
    finally:
        listener.cancel()


def _is_stop(data: str) -> bool:
    with contextlib.suppress(ValueError):
        message = json.loads(data)
        return isinstance(message, dict) and message.get("type") == "stop"
    return False


async def health(request: web.Request) -> web.Response:
    settings: Settings = request.app[SETTINGS]
    pool = request.app[POOL]
    try:
        async with asyncio.timeout(3):
            await request.app[DOCKER].version()
    except DOCKER_ERRORS as exc:
        engine_problem = docker_failure(exc)
    else:
        engine_problem = None
    state, problem = pool.health(engine_answers=engine_problem is None)
    body = {"status": "ok", "version": __version__, "image": settings.image, **state,
            "limits": settings.limits()}
    if engine_problem is not None:
        return _unhealthy(body, engine_problem)
    if problem is not None:
        return _unhealthy(body, problem)
    return web.json_response(body)


def _unhealthy(body: dict, problem: Exception) -> web.Response:
    kind = getattr(problem, "kind", "docker_unavailable")
    message = getattr(problem, "message", str(problem))
    return web.json_response({**body, "status": "unavailable",
                              "error": {"kind": kind, "message": message}}, status=503)


def setup_routes(app: web.Application) -> None:
    app.router.add_post(API + "/run", run)
    app.router.add_get(API + "/stream", stream)
    app.router.add_get(API + "/health", health)
