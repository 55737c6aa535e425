"""The examples of a built gallery: their cells as the browser takes them from the page
(``data-livegallery-source``), and what sphinx-gallery's own run showed for each."""

from __future__ import annotations

import base64
import re
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.fidelity_support import Shown, shown_by_sphinx_gallery

#: sphinx-gallery's run failed because an example's dataset could not be downloaded.
NEEDS_DATA = re.compile(r"Tried to download a scikit-image dataset|NameResolutionError|"
                        r"requests\.exceptions\.ConnectionError|pooch")


@dataclass
class Example:
    name: str  # e.g. "segmentation/plot_watershed"
    cells: list[str]
    expected: list[Shown]
    reference_error: str  # the traceback sphinx-gallery's run showed, if any

    @property
    def needs_data(self) -> bool:
        return bool(NEEDS_DATA.search(self.reference_error))


class _CellSources(HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells: list[tuple[int, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-livegallery-source" in attrs:
            source = base64.b64decode(attrs["data-livegallery-source"]).decode("utf-8")
            self.cells.append((int(attrs["data-livegallery-cell"]), source))


def page_cells(html: Path) -> list[str]:
    parser = _CellSources()
    parser.feed(html.read_text(encoding="utf-8"))
    return [source for _, source in sorted(parser.cells)]


def reference_error(rst: str) -> str:
    """sphinx-gallery puts a failed example's traceback in a ``sphx-glr-script-out``
    block after "Traceback"; empty when the example ran."""
    at = rst.find("Traceback (most recent call last)")
    return rst[at:at + 4000] if at >= 0 else ""


def examples(site: Path, only: list[str] | None = None) -> list[Example]:
    """Every example of the built gallery under ``site`` (sorted by name)."""
    found = []
    for rst_path in sorted((site / "auto_examples").rglob("plot_*.rst")):
        name = str(rst_path.relative_to(site / "auto_examples").with_suffix(""))
        if only and Path(name).name + ".py" not in only:
            continue
        html = site / "_build" / "auto_examples" / (name + ".html")
        rst = rst_path.read_text(encoding="utf-8")
        found.append(Example(name, page_cells(html), shown_by_sphinx_gallery(rst),
                             reference_error(rst)))
    return found
