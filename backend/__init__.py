"""livegallery backend: runs gallery cells in hardened Docker sandboxes, one per reader.

Modules, one concept each: ``config`` (settings), ``hardening`` (the container's
restrictions), ``executor`` (one sandbox) and ``events`` (its event stream), ``pool``
(warm sandboxes and session runs) with ``upkeep`` (its maintenance loop), ``sessions``
(reader sessions), ``reaper`` (container removal), ``image_watch`` (the image tag),
``results`` (events to the run result), ``runs`` (one run), ``metrics`` (Prometheus
metrics, request ids), ``api`` (HTTP and WebSocket), ``site`` (optional static site),
``app`` (the application factory).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("livegallery")  # the one version: pyproject.toml's
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
