"""The gallery check: scikit-image's whole gallery through the service, compared cell by
cell with sphinx-gallery's own run. ``make gallery-check``; see docs/gallery-check.rst."""
