"""The front end on example pages: the JSON config, the ES module and the stylesheet."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

from .config import page_config_json
from .nodes import livegallery_cell
from .transform import RunnableCells

logger = logging.getLogger(__name__)

STATIC_SUBDIR = "livegallery"  # i.e. _static/livegallery/ in the output
SCRIPT = f"{STATIC_SUBDIR}/livegallery.js"
STYLESHEET = f"{STATIC_SUBDIR}/livegallery.css"


def copy_assets(app: Sphinx) -> None:
    """``builder-inited``: copy every front-end file into ``_static/livegallery/``.

    Done before any page is written so Sphinx can add its ``?v=<checksum>``
    cache-buster to the links.
    """
    if app.builder.name not in RunnableCells.builders:
        return
    from livegallery.frontend import ASSETS_DIR

    files = sorted(p for p in Path(ASSETS_DIR).iterdir() if p.suffix in (".js", ".css"))
    if not any(p.name == "livegallery.js" for p in files):
        logger.warning("livegallery: no livegallery.js in %s; runnable pages will not work",
                       ASSETS_DIR)
    target = Path(app.outdir, "_static", STATIC_SUBDIR)
    target.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copyfile(path, target / path.name)


def add_page_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """``html-page-context``: on pages with runnable cells only, add the front end.

    Assets added from this event apply to the current page alone.
    """
    if not isinstance(doctree, nodes.document) or doctree.next_node(livegallery_cell) is None:
        return
    app.add_js_file(
        None,
        priority=400,  # before the module that reads it (order is cosmetic: modules defer)
        body=page_config_json(app.config, context["pathto"]),
        type="application/json",
        id="livegallery-config",
    )
    app.add_js_file(SCRIPT, type="module")
    app.add_css_file(STYLESHEET)
