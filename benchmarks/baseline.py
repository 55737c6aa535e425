"""An earlier version of the service, run beside today's in one benchmark run.

A ratio like "reader capacity 5x today's" needs *today's* service measured on the same
machine in the same run, not a number copied from an issue. ``Baseline(commit)`` checks
that commit out into a temporary git worktree, builds its own sandbox image (its
``images/build.sh``, tagged ``livegallery-sandbox:baseline-<commit>``; cached layers
make a rebuild quick), and runs its backend package with this checkout's interpreter:
a small directory put first on ``PYTHONPATH`` maps ``livegallery.backend`` to the
worktree's ``backend/``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Baseline:
    def __init__(self, commit: str):
        self.commit = subprocess.run(["git", "rev-parse", "--short", commit], cwd=ROOT,
                                     check=True, capture_output=True, text=True).stdout.strip()
        self.image = f"livegallery-sandbox:baseline-{self.commit}"
        self._tmp = Path(tempfile.mkdtemp(prefix="livegallery-baseline-"))
        self.src = self._tmp / "src"

    def __enter__(self) -> Baseline:
        subprocess.run(["git", "worktree", "add", "--detach", str(self.src), self.commit],
                       cwd=ROOT, check=True, capture_output=True)
        subprocess.run([str(self.src / "images/build.sh"), self.image], cwd=self.src,
                       check=True, stdout=subprocess.DEVNULL)
        shim = self._tmp / "path" / "livegallery"
        shim.mkdir(parents=True)
        (shim / "__init__.py").write_text("")
        (shim / "backend").symlink_to(self.src / "backend")
        return self

    def env(self) -> dict[str, str]:
        """What the baseline's service process needs in its environment."""
        return {"PYTHONPATH": str(self._tmp / "path")}

    def __exit__(self, *exc) -> None:
        subprocess.run(["git", "worktree", "remove", "--force", str(self.src)], cwd=ROOT,
                       capture_output=True)
        shutil.rmtree(self._tmp, ignore_errors=True)

