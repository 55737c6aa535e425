# A tiny gallery for tests/test_sphinxext.py. Tests append to this file.
project = "fixture-gallery"
extensions = ["sphinx_gallery.gen_gallery", "livegallery.sphinxext"]
exclude_patterns = ["_build"]
html_static_path = ["_static"]
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    # a cleaning step whose effect the tests must see in the cell sources
    "remove_config_comments": True,
    "download_all_examples": False,
}
livegallery_backend_url = "https://run.example.org"
livegallery_ace_path = "_static/ace/ace.js"
livegallery_request_timeout = 12.5
