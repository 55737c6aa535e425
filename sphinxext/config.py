"""The ``livegallery_*`` options: defaults, validation, and the per-page JSON config."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urlsplit

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

#: Pinned so a page always gets the Ace build the front end was tested with: the version of
#: ace-builds in package.json, which the tests serve (tests/test_versions.py ties the two).
ACE_VERSION = "1.45.2"
DEFAULT_ACE_PATH = (f"https://cdn.jsdelivr.net/npm/ace-builds@{ACE_VERSION}"
                    "/src-min-noconflict/ace.js")
# plotly.js for plotly figures in html outputs: the version plotly.py's to_html of the
# sandbox image targets (plotly 7.1 -> plotly.js 4.1.1), pinned like Ace (and tied to
# package.json the same way).
PLOTLY_VERSION = "4.1.1"
DEFAULT_PLOTLY_PATH = (f"https://cdn.jsdelivr.net/npm/plotly.js-dist-min@{PLOTLY_VERSION}"
                       "/plotly.min.js")

#: name -> (default, accepted types). All are read at write time only, hence rebuild "html".
OPTIONS: dict[str, tuple[Any, tuple[type, ...]]] = {
    "livegallery_backend_url": ("", (str,)),
    "livegallery_ace_path": (DEFAULT_ACE_PATH, (str,)),
    "livegallery_plotly_path": (DEFAULT_PLOTLY_PATH, (str,)),
    "livegallery_runnable_pattern": ("", (str,)),
    "livegallery_request_timeout": (210, (int, float)),
}

try:
    VERSION = version("livegallery")  # the one version: pyproject.toml's
except PackageNotFoundError:  # running from a source tree that was never installed
    VERSION = "0+unknown"


def add_options(app: Sphinx) -> None:
    for name, (default, types) in OPTIONS.items():
        app.add_config_value(name, default, "html", types=types)


def validate(app: Sphinx, config: Config) -> None:
    """``config-inited`` handler: fail the build early with a message naming the option."""
    _check_backend_url(config.livegallery_backend_url)
    _check_ace_path(config.livegallery_ace_path)
    _check_script_path("livegallery_plotly_path", config.livegallery_plotly_path,
                       "_static/plotly/plotly.min.js")
    _check_timeout(config.livegallery_request_timeout)
    compile_pattern(config.livegallery_runnable_pattern)


def _check_backend_url(url: Any) -> None:
    if not isinstance(url, str):
        raise ConfigError(f"livegallery_backend_url must be a string, got {url!r}")
    if not url:
        return  # the page's own origin
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"livegallery_backend_url must be an http:// or https:// URL "
            f"(or '' for the page's own origin), got {url!r}"
        )


def _check_ace_path(path: Any) -> None:
    _check_script_path("livegallery_ace_path", path, "_static/ace/ace.js")


def _check_script_path(name: str, path: Any, example: str) -> None:
    if not isinstance(path, str) or not path.strip():
        raise ConfigError(
            f"{name} must be a non-empty string (a URL or a path "
            f"relative to the site root such as '{example}'), got {path!r}"
        )
    scheme = urlsplit(path).scheme
    if scheme and scheme not in ("http", "https"):
        raise ConfigError(f"{name} must be an http(s) URL or a path, got {path!r}")


def _check_timeout(timeout: Any) -> None:
    # bool is an int subclass, but `True` seconds is surely a mistake
    ok = (
        isinstance(timeout, (int, float))
        and not isinstance(timeout, bool)
        and math.isfinite(timeout)
        and timeout > 0
    )
    if not ok:
        raise ConfigError(
            f"livegallery_request_timeout must be a positive number of seconds, got {timeout!r}"
        )


def compile_pattern(pattern: Any) -> re.Pattern[str]:
    if not isinstance(pattern, str):  # checked first: the cache needs a hashable key
        raise ConfigError(f"livegallery_runnable_pattern must be a string, got {pattern!r}")
    return _compile(pattern)


@lru_cache(maxsize=8)
def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ConfigError(
            f"livegallery_runnable_pattern is not a valid regular expression "
            f"({exc}): {pattern!r}"
        ) from exc


def is_runnable(config: Config, example_path: str) -> bool:
    """Whether the example (path relative to the source dir, e.g.
    ``auto_examples/plot_camera.py``) gets runnable cells."""
    return compile_pattern(config.livegallery_runnable_pattern).search(example_path) is not None


def is_absolute_url(path: str) -> bool:
    """A URL with a scheme, protocol-relative (``//``) or root-relative (``/``)."""
    return bool(urlsplit(path).scheme) or path.startswith("/")


def page_config_json(config: Config, pathto: Callable[..., str]) -> str:
    """The JSON read by the front end, safe to embed in a ``<script>`` element.

    ``pathto`` is the page context's helper: a site-relative Ace path becomes
    relative to the page being written, which keeps nested pages and dirhtml working.
    """
    def resolve(path: str) -> str:
        return path if is_absolute_url(path) else pathto(path, resource=True)

    data = {
        "backendUrl": config.livegallery_backend_url,
        "acePath": resolve(config.livegallery_ace_path),
        # Page-relative here; the front end makes it absolute against the page before
        # the sandboxed frames of html outputs load it.
        "plotlyPath": resolve(config.livegallery_plotly_path),
        "requestTimeout": config.livegallery_request_timeout,
        "version": VERSION,
    }
    text = json.dumps(data, ensure_ascii=True)
    # "</script>" or "<!--" in a value must not end the element early
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
