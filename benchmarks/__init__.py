"""End-to-end benchmarks of livegallery against the real Docker engine (see README.md)."""
