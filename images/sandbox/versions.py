"""Print, as JSON, the Python version and every installed distribution's version.

Run at image build time into /opt/livegallery/versions.json, so the service and the page
can say which versions the sandbox runs without starting Python in it. Package names are
normalized (PEP 503: lower case, runs of "-_." as one "-") so they compare with any
spelling, e.g. "PyWavelets" and "pywavelets".
"""

import importlib.metadata
import json
import platform
import re


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def versions():
    packages = {normalize(d.metadata["Name"]): d.version
                for d in importlib.metadata.distributions()}
    return {"python": platform.python_version(), "packages": dict(sorted(packages.items()))}


if __name__ == "__main__":
    print(json.dumps(versions(), indent=1))
