"""Pin the packages that matter at the versions a docs build environment has.

    python3 images/freeze-env.py PYTHON [REQUIREMENTS]

PYTHON is the docs build's interpreter (e.g. .venv/bin/python); REQUIREMENTS (default: the
sandbox's requirements.txt) names the packages that matter. Prints a requirements file:
each package at the version PYTHON has installed, or at its pin in REQUIREMENTS (marked as
such) when the docs environment lacks it. images/build.sh --from-env uses this, so the
sandbox runs exactly the versions the docs were built with.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

DEFAULT = Path(__file__).parent / "sandbox" / "requirements.txt"
#: Asked of the docs' interpreter; standard library only, any Python 3.8+.
PROBE = (
    "import importlib.metadata as m, json, sys\n"
    "out = {}\n"
    "for name in sys.argv[1:]:\n"
    "    try: out[name] = m.version(name)\n"
    "    except m.PackageNotFoundError: pass\n"
    "print(json.dumps(out))\n"
)


def requirement_names(path: Path) -> list[tuple[str, str]]:
    """(name, line) of each requirement in a pip requirements file."""
    found = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)", line)
        if match:
            found.append((match.group(1), line))
    return found


def installed(python: str, names: list[str]) -> dict[str, str]:
    try:
        result = subprocess.run([python, "-c", PROBE, *names], capture_output=True, text=True,
                                check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        sys.exit(f"error: cannot ask {python} for its versions: {exc}")
    return json.loads(result.stdout)


def main(argv: list[str]) -> None:
    if not 2 <= len(argv) <= 3:
        sys.exit(__doc__)
    python = argv[1]
    files = [DEFAULT] + ([Path(argv[2])] if len(argv) == 3 else [])
    wanted = dict(pair for f in files for pair in requirement_names(f))
    versions = installed(python, list(wanted))
    print(f"# Frozen from {python} by images/freeze-env.py")
    for name, line in wanted.items():
        if name in versions:
            print(f"{name}=={versions[name]}")
        else:
            print(f"{line}  # not installed in the docs environment: pinned default")


if __name__ == "__main__":
    main(sys.argv)
