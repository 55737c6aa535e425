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


def _local_ace() -> bool:
    """Serve Ace from node_modules (`make node`) at _static/ace/ rather than a CDN.

    html_static_path copies the *contents* of a directory into _static/, so
    _ace_static/ holds a single symlink, ``ace``, to the Ace build; Sphinx
    follows it when copying. Without node_modules the CDN default stays.
    """
    ace_build = HERE.parent / "node_modules" / "ace-builds" / "src-min-noconflict"
    if not (ace_build / "ace.js").is_file():
        return False
    link = HERE / "_ace_static" / "ace"
    link.parent.mkdir(exist_ok=True)
    target = os.path.relpath(ace_build, link.parent)
    if link.is_symlink() and os.readlink(link) != target:
        link.unlink()
    if not link.is_symlink():
        link.symlink_to(target, target_is_directory=True)
    return True


if _local_ace():
    html_static_path.append("_ace_static")
    livegallery_ace_path = "_static/ace/ace.js"
