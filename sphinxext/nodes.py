"""The ``livegallery_cell`` node: wraps the highlighted code of one example cell."""

from __future__ import annotations

import base64
from typing import Any

from docutils import nodes


class livegallery_cell(nodes.General, nodes.Element):  # lower case, as docutils names nodes
    """One runnable cell; ``index`` is its 0-based position, ``source`` its code."""

    @classmethod
    def around(cls, block: nodes.Element, index: int) -> livegallery_cell:
        """Wrap ``block`` (a code literal block) in place and return the wrapper."""
        cell = cls(index=index, source=block.astext(), classes=["livegallery-cell"])
        block.replace_self(cell)
        cell += block
        return cell


def encode_source(source: str) -> str:
    return base64.b64encode(source.encode("utf-8")).decode("ascii")


def visit_cell_html(self: Any, node: livegallery_cell) -> None:
    attributes = {
        "data-livegallery-cell": str(node["index"]),
        "data-livegallery-source": encode_source(node["source"]),
    }
    self.body.append(self.starttag(node, "div", "", **attributes))


def depart_cell_html(self: Any, node: livegallery_cell) -> None:
    self.body.append("</div>\n")


def pass_through(self: Any, node: livegallery_cell) -> None:
    """Other writers render the wrapped code block exactly as without the wrapper."""


def add_nodes(app: Any) -> None:
    passthrough = (pass_through, pass_through)
    app.add_node(
        livegallery_cell,
        html=(visit_cell_html, depart_cell_html),
        latex=passthrough,
        text=passthrough,
        man=passthrough,
        texinfo=passthrough,
    )
