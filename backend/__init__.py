"""livegallery backend: runs gallery cells in hardened, single-use Docker sandboxes.

Modules, one concept each: ``config`` (settings), ``hardening`` (the container's
restrictions), ``executor`` (one sandbox), ``pool`` (warm single-use sandboxes),
``results`` (events to the run result), ``runs`` (one run), ``metrics`` (Prometheus metrics, request ids), ``api`` (HTTP and
WebSocket), ``site`` (optional static site), ``app`` (the application factory).
"""

__version__ = "0.1.0"
