"""The versions of the packages an example imports, as installed where the docs are built.

The page compares them with the sandbox's (``GET /api/v1/health``) and says so when a
package differs, before the reader runs anything.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, packages_distributions, version

from sphinx.config import Config
from sphinx.errors import ConfigError


@lru_cache(maxsize=1)
def _distributions() -> dict[str, list[str]]:
    # scans every installed distribution once per build process
    return packages_distributions()


def distribution_versions(module_names: set[str]) -> dict[str, str]:
    """``{distribution: version}`` for the installed distributions that provide
    ``module_names``; the standard library and unknown modules are skipped."""
    found = {}
    for name in module_names:
        if name in sys.stdlib_module_names:
            continue
        for dist in _distributions().get(name, ()):
            try:
                found[dist] = version(dist)
            except PackageNotFoundError:
                continue
    return dict(sorted(found.items()))


def expected_versions(config: Config, module_names: set[str]) -> dict[str, str]:
    """What the page expects: the recorded versions, with ``livegallery_expected_versions``
    added to and overriding them (a maintainer pinning the documented release)."""
    return dict(sorted({**distribution_versions(module_names),
                        **config.livegallery_expected_versions}.items()))


def check_expected_versions(value) -> None:
    ok = isinstance(value, dict) and all(
        isinstance(k, str) and k and isinstance(v, str) and v for k, v in value.items())
    if not ok:
        raise ConfigError(
            "livegallery_expected_versions must be a dict of distribution name to "
            f"version string, such as {{'scikit-image': '0.25.2'}}, got {value!r}")
