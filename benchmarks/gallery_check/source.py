"""scikit-image's gallery as released: its sdist from the package index, cached.

``pip download scikit-image==X --no-binary :all:`` stops at the sdist's metadata step (it
builds with meson), so the file itself is fetched from the index's simple JSON API
(PEP 691), checked against the index's sha256, and kept in a gitignored cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import urllib.request
from pathlib import Path

CACHE = Path(__file__).resolve().parents[1] / "gallery-cache"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


def index_url() -> str:
    """The index pip is configured with (PIP_INDEX_URL), else PyPI's."""
    return os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")


def sdist_entry(version: str, project: str = "scikit-image") -> dict:
    request = urllib.request.Request(f"{index_url()}/{project}/", headers={"Accept": SIMPLE_JSON})
    with urllib.request.urlopen(request, timeout=120) as response:
        files = json.load(response)["files"]
    name = f"{project.replace('-', '_')}-{version}.tar.gz"
    for entry in files:
        if entry["filename"] == name:
            return entry
    raise SystemExit(f"error: the index has no {name} (looked at {index_url()}/{project}/)")


def fetch_sdist(version: str) -> Path:
    """The sdist's path in the cache, downloaded and checked the first time."""
    CACHE.mkdir(parents=True, exist_ok=True)
    entry = sdist_entry(version)
    path = CACHE / entry["filename"]
    expected = entry["hashes"]["sha256"]
    if path.exists() and sha256(path) == expected:
        return path
    partial = path.with_suffix(".part")
    with urllib.request.urlopen(entry["url"], timeout=300) as response, open(partial, "wb") as out:
        shutil.copyfileobj(response, out)
    if sha256(partial) != expected:
        partial.unlink()
        raise SystemExit(f"error: {entry['filename']} does not match the index's sha256")
    partial.rename(path)
    return path


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def extract(sdist: Path, members: tuple[str, ...] = ("doc/examples", "doc/source/conf.py")) -> Path:
    """Unpack the parts of the sdist the check needs; returns the unpacked root."""
    root = sdist.parent / sdist.name.removesuffix(".tar.gz")
    if (root / "doc" / "examples").is_dir():
        return root
    with tarfile.open(sdist) as tar:
        prefix = root.name + "/"
        wanted = [m for m in tar.getmembers()
                  if any(m.name.startswith(prefix + part) for part in members)]
        tar.extractall(sdist.parent, members=wanted, filter="data")
    return root
