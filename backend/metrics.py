"""What operators watch: Prometheus metrics at ``GET /metrics`` and a request id on every
log line and response.

Measured at the edges on purpose: the API layer times whole runs and counts answers, a thin
wrapper around the pool times the wait for a sandbox, and a collector reads
``pool.stats()`` when scraped. The run and pool modules stay free of bookkeeping.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import generate_latest

#: One registry per process, so tests importing the app twice never clash on names.
REGISTRY = CollectorRegistry(auto_describe=True)

#: Run lengths span a print (milliseconds) to the 20 s limit and a full queue wait.
RUN_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60)
START_BUCKETS = (0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30)

RUNS = Counter("livegallery_runs", "Runs by outcome (ok, error, refused) and error kind.",
               ["outcome", "kind"], registry=REGISTRY)
RUN_SECONDS = Histogram("livegallery_run_seconds",
                        "Wall time of a run, request to result, queue wait included.",
                        buckets=RUN_BUCKETS, registry=REGISTRY)
QUEUE_WAIT = Histogram("livegallery_queue_wait_seconds",
                       "Time a run waited for a ready sandbox.",
                       buckets=RUN_BUCKETS, registry=REGISTRY)
CONTAINER_START = Histogram("livegallery_container_start_seconds",
                            "Create to ready (imports done) of one sandbox container.",
                            buckets=START_BUCKETS, registry=REGISTRY)
RESPONSES = Counter("livegallery_http_responses", "HTTP answers by status code.",
                    ["code"], registry=REGISTRY)

# -- request ids ------------------------------------------------------------------------

REQUEST_ID_HEADER = "X-Request-ID"
#: An id from the proxy is kept only when it cannot garble a log line.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
REQUEST_ID = web.RequestKey("request_id", str)


def incoming_request_id(value: str | None) -> str:
    if value and REQUEST_ID_PATTERN.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds ``%(request_id)s`` to every record: the request being served, or ``-``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):  # the access log passes its own
            record.request_id = request_id.get()
        return True


class AccessLogger(AbstractAccessLogger):
    """One line per answer with its request id; successful health checks (a load
    balancer's or compose's, every few seconds) are left out."""

    def log(self, request, response, time: float) -> None:
        if request.path.endswith("/health") and response.status == 200:
            return
        self.logger.info("%s %s %s %.3fs %s", request.method, request.path_qs[:200],
                         response.status, time, request.remote,
                         extra={"request_id": request.get(REQUEST_ID, "-")})


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


def setup_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)


@web.middleware
async def metrics_middleware(request: web.Request, handler):
    """Sets the request id for the handler (and tasks it starts), counts the answer."""
    rid = incoming_request_id(request.headers.get(REQUEST_ID_HEADER))
    request[REQUEST_ID] = rid
    token = request_id.set(rid)
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        RESPONSES.labels(str(status)).inc()
        request_id.reset(token)


async def add_request_id_header(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: also reaches WebSocket handshakes and error pages."""
    rid = request.get(REQUEST_ID)
    if rid:
        response.headers[REQUEST_ID_HEADER] = rid


# -- runs -------------------------------------------------------------------------------

def count_run(result: dict, seconds: float) -> None:
    """A run that produced a result: ok, or an error of ``result["error"]["kind"]``."""
    RUN_SECONDS.observe(seconds)
    error = result.get("error") or {}
    if result.get("ok"):
        RUNS.labels("ok", "").inc()
    else:
        RUNS.labels("error", str(error.get("kind", "unknown"))).inc()


def count_refused(kind: str) -> None:
    """A run the service refused before it started (busy, no Docker, no image...)."""
    RUNS.labels("refused", kind).inc()


class TimedPool:
    """The pool as runs see it, with the wait in ``acquire`` measured. Everything else
    passes through unchanged."""

    def __init__(self, pool):
        self._pool = pool

    async def acquire(self, *args, **kwargs):
        started = time.perf_counter()
        sandbox = await self._pool.acquire(*args, **kwargs)
        QUEUE_WAIT.observe(time.perf_counter() - started)
        return sandbox

    def __getattr__(self, name):
        return getattr(self._pool, name)


class PoolCollector:
    """Gauges read from ``pool.stats()`` at scrape time: every numeric entry it offers
    (ready, starting, in_use, waiting, size, and session counts where present)."""

    def __init__(self, get_pool):
        self._get_pool = get_pool

    def describe(self):
        return []

    def collect(self):
        pool = self._get_pool()
        stats = pool.stats() if pool is not None else {}
        for name, value in stats.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                family = GaugeMetricFamily(f"livegallery_pool_{name}",
                                           f"pool.stats()[{name!r}] at scrape time")
                family.add_metric([], value)
                yield family


def setup_metrics(app: web.Application, pool_key) -> None:
    """``GET /metrics`` and the request-id header; the app lists ``metrics_middleware``
    first among its middlewares."""
    app.on_response_prepare.append(add_request_id_header)
    _swap_collector(PoolCollector(lambda: app.get(pool_key)))

    async def serve(request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(REGISTRY),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})
    app.router.add_get("/metrics", serve)


#: The one pool collector registered: the newest app's (a service has one app; tests
#: may create several in one process).
_current: list = []


def _swap_collector(collector) -> None:
    for old in _current:
        REGISTRY.unregister(old)
    _current[:] = [collector]
    REGISTRY.register(collector)
