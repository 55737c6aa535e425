"""The post-transform that turns an example page's code blocks into runnable cells.

It runs when a page is written (not when it is read), only for the ``html`` and
``dirhtml`` builders, so the stored doctrees and every other builder (latex,
text, singlehtml, epub, ...) never see a livegallery node. Post-transforms run in
the main process even with ``-j``, on a fresh copy of the doctree each time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

from . import cells
from .config import is_runnable
from .nodes import livegallery_cell

logger = logging.getLogger(__name__)


class RunnableCells(SphinxPostTransform):
    # Before sphinx-gallery's CodeLinksTransform (priority 5), which swaps each
    # code literal_block for a token tree; the wrapper moves along with it.
    default_priority = 4
    builders = ("html", "dirhtml")

    def run(self, **kwargs: Any) -> None:
        example = cells.example_path(self.document)
        # Only Python examples: the backend runs Python.
        if example is None or not example.endswith(".py"):
            return
        if not is_runnable(self.config, example):
            return
        source_file = Path(self.env.srcdir, example)
        try:
            starts = cells.code_block_starts(source_file)
        except Exception as exc:  # noqa: BLE001 - unreadable, or sphinx-gallery's parser refused it
            logger.warning("livegallery: cannot parse %s (%s); page left as is", source_file, exc)
            return
        for index, cell in enumerate(cells.find_cells(self.document, starts)):
            livegallery_cell.around(cell.code, index)
            for output in cell.outputs:
                cells.mark_output(output, index)
