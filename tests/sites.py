"""Building sites for the tests, one way: the fixture gallery (or the demo docs) copied,
configured and built with Sphinx. In process (``sphinx.testing``: fast, warnings
captured) for the extension's tests; in a subprocess for the browser and theme sites,
which are built in parallel and must not share a Sphinx process."""

from __future__ import annotations

import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp

from .service import ROOT

FIXTURE = ROOT / "tests" / "sphinx_fixtures" / "gallery"
#: The one place the tests find Ace: the ace-builds npm package (``make node``).
ACE_DIR = ROOT / "node_modules" / "ace-builds" / "src-min-noconflict"
ACE_BUILD = ACE_DIR / "ace.js"


def require_ace() -> None:
    if not ACE_BUILD.is_file():
        pytest.fail(f"{ACE_BUILD} is missing: run `npm ci` (or `make node`) first; the test "
                    "sites serve Ace from node_modules", pytrace=False)


def gallery_source(src: Path, conf_extra: str = "", real_ace: bool = False) -> Path:
    """The fixture gallery at ``src`` (copied once), ``conf_extra`` appended to its
    conf.py; ``real_ace`` replaces the fixture's stand-in Ace by the real one."""
    if not src.exists():
        shutil.copytree(FIXTURE, src)
        if real_ace:
            require_ace()
            shutil.rmtree(src / "_static" / "ace")
            shutil.copytree(ACE_DIR, src / "_static" / "ace")
    if conf_extra:
        with open(src / "conf.py", "a", encoding="utf-8") as f:
            f.write("\n" + conf_extra + "\n")
    return src


class Build:
    """The result of an in-process build: where it went and what Sphinx said."""

    def __init__(self, out: Path, status: str, warnings: str):
        self.out, self.status, self.warnings = out, status, warnings


def build_in_process(src: Path, builddir: Path, builder: str = "html",
                     parallel: int = 0) -> Build:
    """Build with ``sphinx.testing``'s app; the output is ``builddir/<builder>``."""
    status, warning = StringIO(), StringIO()
    app = SphinxTestApp(builder, srcdir=src, builddir=builddir, status=status,
                        warning=warning, parallel=parallel)
    try:
        app.build()
    finally:
        app.cleanup()
    assert app.statuscode == 0, f"{builder} build failed:\n{warning.getvalue()}"
    return Build(Path(app.outdir), status.getvalue(), warning.getvalue())


def build_subprocess(src: Path, out: Path, timeout: float = 240) -> Path:
    """``sphinx-build -b html src out`` in a process of its own."""
    sphinx = Path(sys.executable).with_name("sphinx-build")
    done = subprocess.run([str(sphinx), "-q", "-b", "html", str(src), str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"sphinx-build {src} failed:\n{done.stdout}\n{done.stderr}"
    return out
