"""``python benchmarks/run.py`` still works: the same as ``python -m benchmarks``."""

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's root
    from benchmarks.main import main

    sys.exit(main())
