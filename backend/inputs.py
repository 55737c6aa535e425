"""What a run request says: its cells, helper files and session token, each checked with
a clear ``400`` naming the field (the API handlers only call these)."""

from __future__ import annotations

import json
import re

from aiohttp import web

from .config import Settings
from .errors import BadRequest


def parse_cells(payload, settings: Settings) -> list[str]:
    """The cells of a request body: ``{"cells": [str, ...]}`` or ``{"code": str}``."""
    if not isinstance(payload, dict):
        raise BadRequest('The body must be a JSON object: {"cells": ["<python>", ...]} '
                         'or {"code": "<python>"}.')
    if ("cells" in payload) == ("code" in payload):
        raise BadRequest('Give exactly one of "cells" (a list of strings) or "code" (a string).')
    if "code" in payload:
        if not isinstance(payload["code"], str):
            raise BadRequest('"code" must be a string.')
        return [payload["code"]]
    cells = payload["cells"]
    if not isinstance(cells, list) or not all(isinstance(c, str) for c in cells):
        raise BadRequest('"cells" must be a list of strings.')
    if not cells:
        raise BadRequest('"cells" must not be empty.')
    if len(cells) > settings.max_cells:
        raise BadRequest(f'At most {settings.max_cells} cells may run at once.')
    return cells


#: A helper module's file name: a plain importable module in the run's own folder.
FILE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\.py")
#: Few examples import more than a handful of helpers; far more is a mistake.
MAX_FILES = 64


def parse_files(payload: dict) -> dict[str, str]:
    """The optional ``"files": {"helper.py": "<python>", ...}`` of a request: modules the
    cells import, written beside them in the sandbox (their size counts in the body)."""
    files = payload.get("files", {})
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise BadRequest('"files" must be an object of file name to Python source.')
    if len(files) > MAX_FILES:
        raise BadRequest(f'At most {MAX_FILES} "files" may be sent with a run.')
    for name in files:
        if not FILE_NAME.fullmatch(name):
            raise BadRequest(f'"files" may only hold module files such as "helper.py" '
                             f'(letters, digits and _, ending in .py), not {name[:80]!r}.')
    return files


def parse_session(payload, request: web.Request) -> str | None:
    """The session token a request sends back: ``"session"`` in the body, else the query
    parameter ``session`` (which a proxy in front of several hosts can route on).
    Unknown, forged or ended tokens are not errors: the run just gets a fresh sandbox."""
    token = payload.get("session") if isinstance(payload, dict) else None
    if token is None:
        token = request.query.get("session")
    if token is not None and not isinstance(token, str):
        raise BadRequest('"session" must be a string (the token of an earlier result).')
    return token or None


def parse_json(raw: bytes | str):
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("The body is not valid UTF-8.") from None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"The body is not valid JSON: {exc}") from None
