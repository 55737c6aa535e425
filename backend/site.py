"""Serve a built Sphinx site beside the API, so site and backend share one origin."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web


def setup_site(app: web.Application, root: str) -> None:
    base = Path(root).resolve()
    if not (base / "index.html").is_file():
        raise ValueError(f"static_dir {root!r} holds no index.html (build the docs first)")

    async def serve(request: web.Request) -> web.StreamResponse:
        path = (base / request.match_info["path"]).resolve()
        if not path.is_relative_to(base):  # no escaping the site with ../
            raise web.HTTPNotFound()
        if path.is_dir():  # dirhtml pages and the site root
            if not request.path.endswith("/"):
                raise web.HTTPFound(request.path + "/")
            path = path / "index.html"
        if not path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(path)

    app.router.add_get("/{path:.*}", serve)
