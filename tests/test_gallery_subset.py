"""A representative slice of the gallery check (``make gallery-check`` runs all of
scikit-image's gallery): examples that use plotly, pandas and seaborn run through the
service with its default settings and show, cell by cell, what
sphinx-gallery's own run of them shows. (PyWavelets' and scikit-learn's examples are left
to the full check: each adds unseeded noise, downloads data or runs a minute.)"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .conftest import IMAGE
from .service import ROOT, Service

sys.path.insert(0, str(ROOT / "benchmarks"))
from gallery_check import pages, reference, source
from gallery_check.__main__ import GALLERY_PYTHON, image_version
from gallery_check.runner import run_example

pytestmark = pytest.mark.docker

SUBSET = {
    "plot_camera_numpy.py": "numpy only",
    "plot_attribute_operators.py": "a warning of its own code",
    "plot_regionprops.py": "plotly figure and pandas",
    "plot_regionprops_table.py": "pandas and seaborn",
    "plot_polygon.py": "text and figures in one cell",
}


@pytest.fixture(scope="module")
def subset(tmp_path_factory):
    if not GALLERY_PYTHON.exists():
        pytest.fail("the gallery venv is missing: make gallery-venv")
    version = image_version(IMAGE)
    examples_dir = source.extract(source.fetch_sdist(version)) / "doc" / "examples"
    site = reference.build(examples_dir, tmp_path_factory.mktemp("gallery"), GALLERY_PYTHON,
                           only=list(SUBSET))
    return pages.examples(site, only=list(SUBSET))


def test_subset_matches_sphinx_gallery(subset):
    assert sorted(Path(e.name).name + ".py" for e in subset) == sorted(SUBSET)
    for example in subset:  # what each one stands for really is in it
        code = "\n".join(example.cells)
        needles = {"plot_regionprops": ["plotly"], "plot_regionprops_table": ["pandas", "seaborn"]}
        for needle in needles.get(Path(example.name).name, []):
            assert needle in code
    service = Service(image=IMAGE)  # the defaults operators get
    service.start()
    try:
        outcomes = [run_example(service, example) for example in subset]
    finally:
        service.stop()
    report = {o.name: (o.status, o.reason) for o in outcomes}
    for name, (status, reason) in report.items():
        assert status == "match", (name, reason)
    # Not vacuous: the subset shows figures, and text in at least one cell.
    assert sum(o.figures for o in outcomes) >= 5
    assert any(shown.text for e in subset for shown in e.expected)


def test_varies_only_when_two_service_runs_disagree_and_figures_match():
    """The gallery check calls an example "varies" (run-dependent text such as a clock)
    only when the service's own two runs differ and every figure count matches."""
    from gallery_check.pages import Example
    from gallery_check.runner import varies

    from .fidelity_support import Shown

    example = Example("x/plot_x", ["print(t)"], [Shown("took 1.5s", 1, 0)], "")

    def cell(text, figures=1):
        return {"stdout": text, "stderr": "", "images": [{}] * figures, "html": []}

    assert varies(example, [cell("took 2.0s")], [cell("took 3.1s")]).startswith("run-dep")
    # the same text twice: a real difference, never excused
    assert varies(example, [cell("took 2.0s")], [cell("took 2.0s")]) is None
    # a missing figure is a real difference even when the text varies
    assert varies(example, [cell("took 2.0s", 0)], [cell("took 3.1s", 0)]) is None
