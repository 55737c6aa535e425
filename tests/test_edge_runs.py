"""The edge-case gallery's pages run through the real service and Docker as sphinx-gallery
ran them at build time: each cell prints what the page shows under it."""

from __future__ import annotations

import json

import pytest

from .test_edge_cases import build, config_of, page
from .test_sphinxext import cells_of, outputs_of, parse

pytestmark = pytest.mark.docker

RUNS = ["examples/plot_line_numbers.py", "examples/plot_local.py",
        "examples/plot_repr.py", "examples/plot_defer_figures.py",
        "more_examples/sub/plot_sub.py"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build(tmp_path_factory.mktemp("edge-runs"))


def printed(root, index: int) -> str | None:
    """The captured stdout sphinx-gallery shows under cell ``index`` (None: none shown)."""
    texts = [el.text() for el in outputs_of(root, index) if "sphx-glr-script-out" in el.classes]
    return "\n".join(t.strip() for t in texts) if texts else None


def figures(root, index: int) -> int:
    """How many figures sphinx-gallery shows under cell ``index``."""
    return sum(1 for el in outputs_of(root, index) for e in el.iter() if e.tag == "img")


@pytest.mark.parametrize("example", RUNS)
def test_cells_run_as_sphinx_gallery_ran_them(site, warm_service, example):
    path = page(site, example)
    root = parse(path)
    cells = [source for _, source in cells_of(root)]
    files = config_of(path)["files"]
    status, body = warm_service.run(raw=json.dumps({"cells": cells, "files": files}).encode())
    assert status == 200 and body["ok"], body
    compared = 0
    shown_figures = [figures(root, i) for i in range(len(cells))]
    assert [len(c["images"]) for c in body["cells"]] == shown_figures
    for index, cell in enumerate(body["cells"]):
        shown = printed(root, index)
        if shown is not None:  # an HTML repr is shown as HTML: see the rich-outputs work
            assert cell["stdout"].strip() == shown, (example, index)
            compared += 1
    assert compared


def test_the_helper_module_page_runs_with_its_own_helper(site, cold_service):
    path = page(site, "examples/local_module.py")
    cells = [source for _, source in cells_of(parse(path))] + ["print(N)"]
    raw = json.dumps({"cells": cells, "files": config_of(path)["files"]}).encode()
    status, body = cold_service.run(raw=raw)
    assert status == 200 and body["ok"] and body["cells"][-1]["stdout"] == "1000\n", body
    cold_service.wait_idle()
    assert cold_service.unaccounted() == []
