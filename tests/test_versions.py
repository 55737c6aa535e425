"""One version each, and what ties the copies that cannot read it."""

from __future__ import annotations

import json
import tomllib
from importlib.metadata import version

from livegallery.backend import __version__ as backend_version
from livegallery.sphinxext import config as ext_config

from .service import ROOT


def test_one_livegallery_version():
    """pyproject.toml holds it; the installed metadata, the backend (health) and the
    extension (page config) read it from there."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert version("livegallery") == declared, "reinstall: pip install -e ."
    assert backend_version == ext_config.VERSION == declared


def test_pages_get_the_ace_the_tests_use():
    """The CDN default of the extension is the ace-builds version the demo docs and the
    browser tests serve from node_modules (package.json, pinned in package-lock.json)."""
    wanted = json.loads((ROOT / "package.json").read_text())["devDependencies"]["ace-builds"]
    lock = json.loads((ROOT / "package-lock.json").read_text())
    locked = lock["packages"]["node_modules/ace-builds"]["version"]
    assert ext_config.ACE_VERSION == wanted == locked
    assert f"/ace-builds@{wanted}/src-min-noconflict/ace.js" in ext_config.DEFAULT_ACE_PATH
    installed = ROOT / "node_modules" / "ace-builds" / "package.json"
    if installed.is_file():  # after `make node`
        assert json.loads(installed.read_text())["version"] == wanted
