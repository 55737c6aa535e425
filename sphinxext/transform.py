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

from . import cells, imports
from .config import is_runnable
from .nodes import livegallery_cell
from .versions import expected_versions

logger = logging.getLogger(__name__)

#: The document attribute holding this page's part of the front end's config.
PAGE_DATA = "livegallery_page"
#: Helper modules travel with every run; past this many bytes they risk the backend's
#: body limit (max_body_bytes, 512 KiB by default), so the build says so.
FILES_WARN_BYTES = 256 * 1024


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
            sources = cells.code_blocks(source_file, self._config_comments_removed())
        except Exception as exc:  # noqa: BLE001 - unreadable, or sphinx-gallery's parser refused it
            logger.warning("livegallery: cannot parse %s (%s); page left as is", source_file, exc)
            return
        found = cells.find_cells(self.document, sources)
        for index, cell in enumerate(found):
            livegallery_cell.around(cell.code, index, cell.source)
            for output in cell.outputs:
                cells.mark_output(output, index)

        if found:
            self.document[PAGE_DATA] = self._page_data(example, source_file)

    def _gallery_conf(self) -> dict:
        return getattr(self.config, "sphinx_gallery_conf", None) or {}

    def _config_comments_removed(self) -> bool:
        return bool(self._gallery_conf().get("remove_config_comments", False))

    def _page_data(self, example: str, source_file: Path) -> dict[str, Any]:
        """The helper modules the example needs beside it, and the versions it expects."""
        source = source_file.read_text(encoding="utf-8-sig")
        folder = imports.source_folder(Path(self.env.srcdir), self._gallery_conf(), example)
        files = imports.local_modules(source, folder, source_file.name)
        size = sum(len(text.encode("utf-8")) for text in files.values())
        if size > FILES_WARN_BYTES:
            logger.warning("livegallery: %s imports %d bytes of helper modules (%s); every run "
                           "sends them, which may exceed the backend's body limit",
                           example, size, ", ".join(files))
        names = set().union(imports.imported_names(source),
                            *map(imports.imported_names, files.values()))
        names -= {name[:-3] for name in files}
        return {"files": files, "expectedVersions": expected_versions(self.config, names)}
