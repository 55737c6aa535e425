# Edge cases of sphinx-gallery for tests/test_edge_cases.py, after sphinx-gallery's own
# tests/tinybuild: two galleries with a subsection, line numbers, an animation, helper
# modules beside the examples, captured reprs, dummy images, text-only blocks. Tests
# append to this file.
project = "edge-gallery"
extensions = ["sphinx_gallery.gen_gallery", "livegallery.sphinxext"]
exclude_patterns = ["_build"]
sphinx_gallery_conf = {
    "examples_dirs": ["examples", "more_examples"],
    "gallery_dirs": ["auto_examples", "auto_more"],
    # a helper that is no example at all: sphinx-gallery never copies it
    "ignore_pattern": r"(__init__\.py|second_helper\.py)",
    "matplotlib_animations": True,
    "capture_repr": ("_repr_html_", "__repr__"),
    "download_all_examples": False,
}
livegallery_backend_url = "https://run.example.org"
