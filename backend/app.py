"""The application factory: routes, middlewares, and the Docker client's life cycle."""

from __future__ import annotations

import os

import aiodocker
import aiohttp
from aiohttp import web

from .api import DOCKER, POOL, SETTINGS, cors_middleware, error_middleware, setup_routes
from .config import Settings
from .metrics import metrics_middleware, setup_metrics
from .pool import Pool
from .site import setup_site

DEFAULT_DOCKER_URL = "unix:///var/run/docker.sock"


def create_app(settings: Settings | None = None) -> web.Application:
    settings = settings or Settings()
    app = web.Application(client_max_size=settings.max_body_bytes,
                          middlewares=[metrics_middleware, error_middleware, cors_middleware])
    app[SETTINGS] = settings
    app.cleanup_ctx.append(docker_context)
    setup_routes(app)
    setup_metrics(app, POOL)
    if settings.static_dir:
        setup_site(app, settings.static_dir)
    return app


async def docker_context(app: web.Application):
    """The Docker client and the pool live as long as the app; closing them removes every
    container the service made (a clean SIGTERM/SIGINT shutdown runs this)."""
    settings = app[SETTINGS]
    url = settings.docker_url or os.environ.get("DOCKER_HOST") or DEFAULT_DOCKER_URL
    # Ordinary calls get a bound; attaches and waits override it as long-running.
    docker = aiodocker.Docker(url=url, timeout=aiohttp.ClientTimeout(total=60, connect=5))
    pool = Pool(docker, settings)
    app[DOCKER], app[POOL] = docker, pool
    await pool.start()
    try:
        yield
    finally:
        await pool.close()
        await docker.close()
