"""Per-cell fidelity: the service shows, for each cell, the text and the number of
figures and HTML outputs that sphinx-gallery itself shows for the same example at build
time."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from sphinx.cmd.build import build_main
from sphinx_gallery.py_source_parser import split_code_and_text_blocks

from .fidelity_support import Shown, difference, shown_by_service, shown_by_sphinx_gallery

pytestmark = pytest.mark.docker

EXAMPLE = '''
"""
Fidelity
========

Several cells: text, stderr, figures, last expressions and HTML outputs.
"""
import sys
import numpy as np
import matplotlib.pyplot as plt

print("shape", np.zeros((3, 4)).shape)
print("to stderr", file=sys.stderr)

# %%
# Two figures and no text.

fig, axes = plt.subplots(1, 2)
axes[0].plot([1, 2, 3])
plt.figure()
plt.imshow(np.eye(4))
plt.show()

# %%
# One figure, a loop of prints and a last expression shown by its repr.

for i in range(3):
    print("line", i)
plt.plot(np.arange(5) ** 2)
np.arange(4).sum()

# %%
# Nothing at all.

x = 1

# %%
# An HTML repr (capture_repr's first choice).

class Table:
    def _repr_html_(self):
        return "<table><tr><td>42</td></tr></table>"

Table()

# %%
# No HTML repr after all: the plain repr instead.

class Plain:
    def _repr_html_(self):
        return None

    def __repr__(self):
        return "Plain()"

Plain()

# %%
# An animation, embedded as JavaScript HTML instead of its figure.

from matplotlib.animation import FuncAnimation

fig, ax = plt.subplots()
(line,) = ax.plot([0, 1])
ani = FuncAnimation(fig, lambda i: line.set_ydata([0, i]), frames=3)
'''

CONF = '''
extensions = ["sphinx_gallery.gen_gallery"]
sphinx_gallery_conf = {"examples_dirs": "examples", "gallery_dirs": "auto_examples",
                       "matplotlib_animations": True}
'''


def build_gallery(root: Path) -> Path:
    (root / "examples").mkdir(parents=True)
    (root / "examples" / "README.txt").write_text("Gallery\n=======\n")
    (root / "examples" / "plot_fidelity.py").write_text(textwrap.dedent(EXAMPLE).lstrip())
    (root / "conf.py").write_text(CONF)
    (root / "index.rst").write_text("Test\n====\n\n.. toctree::\n\n   auto_examples/index\n")
    assert build_main(["-q", "-b", "html", str(root), str(root / "_build")]) == 0
    return root / "auto_examples" / "plot_fidelity.rst"


def test_cells_match_what_sphinx_gallery_shows(tmp_path, warm_service):
    rst = build_gallery(tmp_path).read_text()
    expected = shown_by_sphinx_gallery(rst)
    _, blocks = split_code_and_text_blocks(str(tmp_path / "examples" / "plot_fidelity.py"))
    cells = [block.content for block in blocks if block.type == "code"]
    assert len(cells) == len(expected) == 7

    status, body = warm_service.run(cells)
    assert status == 200 and body["ok"], body["error"]
    got = [shown_by_service(c) for c in body["cells"]]
    assert difference(expected, got) is None
    assert got == expected
    # The example is not trivial: text, stderr, several figures, reprs and HTML all occur.
    assert expected[0] == Shown("shape (3, 4)\nto stderr", 0, 0)
    assert [shown.figures for shown in expected] == [0, 2, 1, 0, 0, 0, 0]
    assert [shown.html for shown in expected] == [0, 0, 0, 0, 1, 0, 1]
    assert expected[2].text.endswith("np.int64(6)") or expected[2].text.endswith("6")
    assert expected[5].text == "Plain()"
    assert "<table><tr><td>42</td></tr></table>" in rst
    assert body["cells"][4]["html"] == ["<table><tr><td>42</td></tr></table>"]
    assert body["cells"][0]["stderr"] == "to stderr\n"
