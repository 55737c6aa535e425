"""``python -m benchmarks`` (from the repository's root)."""

import sys

from .main import main

sys.exit(main())
