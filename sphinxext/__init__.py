"""livegallery.sphinxext: makes sphinx-gallery example pages runnable.

Add ``"livegallery.sphinxext"`` after ``"sphinx_gallery.gen_gallery"`` in
``extensions``. Each code cell of an example page (html and dirhtml builders)
is wrapped in ``div.livegallery-cell`` carrying its source, its build-time
outputs get ``livegallery-output-<i>`` classes, and the page loads the front end.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from . import assets, config, nodes
from .transform import RunnableCells


def setup(app: Sphinx) -> dict[str, Any]:
    config.add_options(app)
    nodes.add_nodes(app)
    app.add_post_transform(RunnableCells)
    app.connect("config-inited", config.validate)
    app.connect("builder-inited", assets.copy_assets)
    app.connect("html-page-context", assets.add_page_assets)
    return {
        "version": config.VERSION,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
