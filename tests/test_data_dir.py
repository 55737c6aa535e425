"""Datasets without network: the operator's data directory (setting data_dir) is mounted
read-only into every sandbox and found by scikit-image's own lookup; unset, nothing is."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from livegallery.backend.config import Settings
from livegallery.backend.hardening import DATA_MOUNT, container_config

from .conftest import IMAGE
from .service import ROOT, Service, containers

#: Registers the test's file in scikit-image's registry (in the sandbox's own process)
#: and asks skimage.data._fetch for it: the lookup every skimage.data dataset goes
#: through, which returns a cached file with the right hash without any network.
READ_CELL = '''
import os
from skimage.data import _fetchers
_fetchers.registry["data/livegallery-test.txt"] = {sha!r}
path = _fetchers._fetch("data/livegallery-test.txt")
print(os.environ["SKIMAGE_DATADIR"])
print(path)
print(open(path).read(), end="")
'''
WRITE_CELL = '''
import errno
for target in (os.path.join(os.path.dirname(path), "new.txt"), path):
    try:
        open(target, "a").write("x")
        print("wrote", target)
    except OSError as exc:
        print("refused", errno.errorcode[exc.errno])
'''


def image_skimage_version() -> str:
    out = subprocess.run(["docker", "run", "--rm", "--network", "none", "--entrypoint", "cat",
                          IMAGE, "/opt/livegallery/versions.json"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["packages"]["scikit-image"]


@pytest.fixture
def data_dir():
    """A pooch cache laid out as scikit-image's: <dir>/scikit-image/<version>/data/..."""
    root = Path(tempfile.mkdtemp(prefix="livegallery-data-"))
    cache = root / "scikit-image" / image_skimage_version() / "data"
    cache.mkdir(parents=True)
    (cache / "livegallery-test.txt").write_text("pixels from the operator\n")
    # Writable by anyone on the host: only the read-only mount can refuse a write.
    for path in [root, *root.rglob("*")]:
        path.chmod(0o777 if path.is_dir() else 0o666)
    yield root
    shutil.rmtree(root)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.docker
def test_data_dir_is_found_by_skimage_and_read_only(data_dir):
    version = image_skimage_version()
    sha = sha256(data_dir / "scikit-image" / version / "data" / "livegallery-test.txt")
    service = Service(image=IMAGE, pool_size=1, data_dir=str(data_dir), timeout=30)
    service.start()
    try:
        status, body = service.run([READ_CELL.format(sha=sha), WRITE_CELL])
        assert status == 200 and body["ok"], body["error"]
        first, second = body["cells"][0]["stdout"], body["cells"][1]["stdout"]
        assert first.splitlines() == [
            f"{DATA_MOUNT}/scikit-image",
            f"{DATA_MOUNT}/scikit-image/{version}/data/livegallery-test.txt",
            "pixels from the operator"]
        # Neither a new file nor a change to the operator's file: a read-only mount.
        assert second.splitlines() == ["refused EROFS", "refused EROFS"]
        assert (data_dir / "scikit-image" / version / "data" / "livegallery-test.txt"
                ).read_text() == "pixels from the operator\n"
        owner = service.owner
    finally:
        service.stop()
    assert containers(owner) == []


@pytest.mark.docker
def test_without_data_dir_there_is_no_data(warm_service):
    status, body = warm_service.run([
        "import os\nprint(os.environ.get('SKIMAGE_DATADIR'))\n"
        f"print(os.listdir({DATA_MOUNT!r}))"])
    assert status == 200 and body["ok"], body["error"]
    # The image carries no datasets unless built with --fetch-data.
    assert body["cells"][0]["stdout"] == "None\n[]\n"


def test_a_missing_data_dir_is_a_clear_error_at_start(tmp_path):
    missing = tmp_path / "no-such-dir"
    with pytest.raises(ValueError, match="data_dir .*no-such-dir.* is not a directory"):
        Settings(data_dir=str(missing))
    env = {**os.environ, "LIVEGALLERY_DATA_DIR": str(missing), "LIVEGALLERY_PORT": "0"}
    result = subprocess.run([sys.executable, "-m", "livegallery.backend"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "is not a directory" in result.stderr and "Traceback" not in result.stderr


def test_the_mount_is_read_only_and_keeps_every_other_restriction(tmp_path):
    plain = container_config(Settings(), "sha256:x", "o")["HostConfig"]
    mounted = container_config(Settings(data_dir=str(tmp_path)), "sha256:x", "o")["HostConfig"]
    assert "Mounts" not in plain
    assert mounted.pop("Mounts") == [{
        "Type": "bind", "Source": str(tmp_path), "Target": DATA_MOUNT, "ReadOnly": True,
        "BindOptions": {"Propagation": "rprivate"}}]
    assert mounted == plain
