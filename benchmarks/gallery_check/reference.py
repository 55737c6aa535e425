"""sphinx-gallery's own run of the gallery: the reference the service is compared with.

scikit-image's doc/source/conf.py needs its whole docs toolchain; this writes a minimal
conf.py that keeps what decides what an example's page shows (see CONF) and builds it
with the gallery venv's sphinx-build, whose packages match the sandbox image's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

#: What of scikit-image's sphinx_gallery_conf shapes the output, kept as it is there:
#: matplotlib's and plotly's scrapers (plotly's renderer queues figures for its scraper),
#: the default filename_pattern ("plot_" files run) and capture_repr, config comments
#: removed. Left out: binder, backreferences and the theme, which change no output.
CONF = '''
import plotly.io as pio
from plotly.io._sg_scraper import plotly_sg_scraper
from sphinx_gallery.sorting import ExplicitOrder

project = "scikit-image gallery check"
extensions = ["sphinx_gallery.gen_gallery", "livegallery.sphinxext"]
pio.renderers.default = "sphinx_gallery_png"
sphinx_gallery_conf = {{
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "image_scrapers": ("matplotlib", plotly_sg_scraper),
    "subsection_order": ExplicitOrder([{order}]),
    "remove_config_comments": True,
    "filename_pattern": {pattern!r},
    "only_warn_on_example_error": True,
}}
'''
SECTIONS = ("data", "numpy_operations", "color_exposure", "edges", "transform", "registration",
            "filters", "features_detection", "segmentation", "applications", "developers")


def build(examples: Path, out: Path, python: Path, only: list[str] | None = None,
          data_dir: str = "") -> Path:
    """Build the gallery of ``examples`` under ``out``; returns the site's root.

    ``only``: example file names (e.g. ``plot_entropy.py``) to keep; the rest of the
    gallery is left out of the build entirely, which keeps a subset check quick.
    ``data_dir``: scikit-image's pooch cache, so the reference has the datasets too.
    """
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(examples, out / "examples")
    if only:
        for path in (out / "examples").rglob("*.py"):
            if path.name not in only:
                path.unlink()
    order = ", ".join(repr(f"examples/{s}") for s in SECTIONS
                      if (out / "examples" / s).is_dir())
    (out / "conf.py").write_text(CONF.format(order=order, pattern=f"{os.sep}plot_"))
    (out / "index.rst").write_text("Gallery check\n=============\n\n.. toctree::\n\n"
                                   "   auto_examples/index\n")
    env = {**os.environ, "MPLBACKEND": "agg"}
    if data_dir:
        env["SKIMAGE_DATADIR"] = data_dir
    command = [str(python), "-m", "sphinx", "-q", "-b", "html", str(out), str(out / "_build")]
    result = subprocess.run(command,
                            env=env)
    if result.returncode != 0:
        sys.exit(f"error: the reference build failed (exit {result.returncode})")
    return out
