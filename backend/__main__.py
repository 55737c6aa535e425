"""``python -m livegallery.backend`` (or ``livegallery-backend``): start the service."""

from __future__ import annotations

import logging
import sys

from aiohttp import web

from .app import create_app
from .config import argument_parser, from_env
from .metrics import AccessLogger, setup_logging


def main(argv: list[str] | None = None) -> None:
    args = argument_parser().parse_args(argv)
    try:
        settings = from_env(**vars(args))
    except (TypeError, ValueError) as exc:
        sys.exit(f"livegallery-backend: {exc}")
    setup_logging(logging.INFO)
    try:
        app = create_app(settings)
    except ValueError as exc:
        sys.exit(f"livegallery-backend: {exc}")
    web.run_app(app, host=settings.host, port=settings.port,
                access_log_class=AccessLogger,
                access_log=logging.getLogger("livegallery.access"),
                print=lambda _: print(f"livegallery backend on http://{settings.host}:"
                                      f"{settings.port}/ (image {settings.image})", flush=True))


if __name__ == "__main__":
    main()
