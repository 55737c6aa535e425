"""One version each, and what ties the copies that cannot read it."""

from __future__ import annotations

import json
import tomllib
from importlib.metadata import version

import pytest

from livegallery.backend import __version__ as backend_version
from livegallery.sphinxext import config as ext_config

from .service import ROOT


def test_one_livegallery_version():
    """pyproject.toml holds it; the installed metadata, the backend (health) and the
    extension (page config) read it from there."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert version("livegallery") == declared, "reinstall: pip install -e ."
    assert backend_version == ext_config.VERSION == declared


@pytest.mark.parametrize("package, pinned, default", [
    ("ace-builds", ext_config.ACE_VERSION, ext_config.DEFAULT_ACE_PATH),
    ("plotly.js-dist-min", ext_config.PLOTLY_VERSION, ext_config.DEFAULT_PLOTLY_PATH),
])
def test_pages_get_the_front_end_libraries_the_tests_use(package, pinned, default):
    """The CDN defaults of the extension are the npm versions the demo docs and the
    browser tests serve from node_modules (package.json, pinned in package-lock.json)."""
    wanted = json.loads((ROOT / "package.json").read_text())["devDependencies"][package]
    lock = json.loads((ROOT / "package-lock.json").read_text())
    locked = lock["packages"][f"node_modules/{package}"]["version"]
    assert pinned == wanted == locked
    assert f"/{package}@{wanted}/" in default
    installed = ROOT / "node_modules" / package / "package.json"
    if installed.is_file():  # after `make node`
        assert json.loads(installed.read_text())["version"] == wanted
