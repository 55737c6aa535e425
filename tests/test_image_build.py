"""images/build.sh's interface and images/freeze-env.py, without building an image: the
clear errors, and the pins taken from a docs environment's interpreter."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

from .service import ROOT

BUILD = ROOT / "images" / "build.sh"
FREEZE = ROOT / "images" / "freeze-env.py"


def test_freeze_env_pins_the_docs_interpreters_versions(tmp_path):
    extra = tmp_path / "requirements.txt"
    extra.write_text("pytest>=8  # the docs' own\nno-such-package-xyz==1.0\n")
    out = subprocess.run([sys.executable, str(FREEZE), sys.executable, str(extra)],
                         capture_output=True, text=True, check=True).stdout
    lines = [line for line in out.splitlines() if not line.startswith("#")]
    # Installed in this interpreter: pinned at its version, whatever the default pin says.
    assert f"numpy=={importlib.metadata.version('numpy')}" in lines
    assert f"pytest=={importlib.metadata.version('pytest')}" in lines
    # Missing from it: the file's own line, marked as a default.
    missing = [line for line in lines if line.startswith("no-such-package-xyz")]
    assert missing == ["no-such-package-xyz==1.0  # not installed in the docs environment: "
                       "pinned default"]
    # Every package of the default file is there, once.
    names = [line.split("=")[0].split(">")[0] for line in lines]
    assert len(names) == len(set(names)) and {"scikit-image", "plotly", "pooch"} <= set(names)


def test_freeze_env_with_a_broken_interpreter_is_a_clear_error(tmp_path):
    result = subprocess.run([sys.executable, str(FREEZE), str(tmp_path / "python")],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "cannot ask" in result.stderr
    assert "Traceback" not in result.stderr


def test_build_rejects_bad_arguments_before_building(tmp_path):
    missing = subprocess.run([str(BUILD), "--requirements", str(tmp_path / "nope.txt"), "x:y"],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and "no requirements file" in missing.stderr
    unknown = subprocess.run([str(BUILD), "--frobnicate"], capture_output=True, text=True)
    assert unknown.returncode == 2 and "unknown option --frobnicate" in unknown.stderr
    assert "--requirements FILE" in unknown.stderr  # the usage follows
