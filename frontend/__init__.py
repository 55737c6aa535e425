from pathlib import Path

#: Where the JS and CSS files live; the Sphinx extension copies them into a build.
ASSETS_DIR = Path(__file__).parent
