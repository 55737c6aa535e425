"""livegallery.sphinxext: makes sphinx-gallery example pages runnable."""
