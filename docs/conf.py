"""Sphinx configuration of the livegallery docs and demo gallery."""

from __future__ import annotations

import os
from importlib.metadata import version as _version
from pathlib import Path

HERE = Path(__file__).parent.resolve()

project = "livegallery"
author = "livegallery developers"
copyright = "2025, livegallery developers"
release = version = _version("livegallery")  # pyproject.toml's, as installed

extensions = [
    "sphinx_gallery.gen_gallery",
    # after gen_gallery: it works on the pages sphinx-gallery generates
    "livegallery.sphinxext",
]

exclude_patterns = ["_build", "_ace_static", "examples"]

html_theme = "pydata_sphinx_theme"  # scikit-image's theme
html_title = "livegallery"
html_theme_options = {
    "show_toc_level": 2,
    "navigation_with_keys": False,
}
html_static_path: list[str] = []
# Without it pydata-sphinx-theme logs "Got invalid theme mode" on a first visit.
html_context = {"default_mode": "auto"}

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"plot_",
    "remove_config_comments": True,
    "download_all_examples": False,
    "within_subsection_order": "FileNameSortKey",
}

# The demo backend serves this site itself, so requests go to the page's own origin.
livegallery_backend_url = ""
livegallery_request_timeout = 60


def _local_build(name: str, build: Path, script: str) -> bool:
    """Serve a front-end library from node_modules (`make node`) at _static/<name>/
    rather than a CDN.

    html_static_path copies the *contents* of a directory into _static/, so
    _ace_static/ holds symlinks (``ace``, ``plotly``) to the builds; Sphinx
    follows them when copying. Without node_modules the CDN default stays.
    """
    if not (build / script).is_file():
        return False
    link = HERE / "_ace_static" / name
    link.parent.mkdir(exist_ok=True)
    target = os.path.relpath(build, link.parent)
    if link.is_symlink() and os.readlink(link) != target:
        link.unlink()
    if not link.is_symlink():
        link.symlink_to(target, target_is_directory=True)
    return True


NODE_MODULES = HERE.parent / "node_modules"
_local_ace = _local_build("ace", NODE_MODULES / "ace-builds" / "src-min-noconflict", "ace.js")
# plotly.js, which html outputs holding a plotly figure load (pinned in package.json).
_local_plotly = _local_build("plotly", NODE_MODULES / "plotly.js-dist-min", "plotly.min.js")
if _local_ace:
    livegallery_ace_path = "_static/ace/ace.js"
if _local_plotly:
    livegallery_plotly_path = "_static/plotly/plotly.min.js"
if _local_ace or _local_plotly:
    html_static_path.append("_ace_static")
