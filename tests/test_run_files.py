"""Helper modules sent with a run (``"files"``) and the sandbox's versions in health,
against the real service and Docker."""

from __future__ import annotations

import json

import aiohttp
import pytest

from .test_stream import collect, ws_url

pytestmark = pytest.mark.docker

HELPERS = {
    "local_module.py": "from second_helper import M\nN = M + 1\n",
    "second_helper.py": "M = 999\n",
}
CELLS = ["import local_module\nprint(local_module.N)",
         "import os\nprint(os.path.dirname(local_module.__file__).startswith('/tmp/'))"]


def run_with(service, cells, files):
    raw = json.dumps({"cells": cells, "files": files}).encode()
    return service.run(raw=raw)


def test_a_run_with_files_imports_them(cold_service):
    cold_service.wait_idle()
    status, body = run_with(cold_service, CELLS, HELPERS)
    assert status == 200 and body["ok"], body
    assert [c["stdout"] for c in body["cells"]] == ["1000\n", "True\n"]
    cold_service.wait_idle()
    assert cold_service.unaccounted() == []  # gone, or kept as the reader's session


def test_without_files_the_helper_is_missing(cold_service):
    status, body = cold_service.run(CELLS)
    assert status == 200 and not body["ok"]
    assert "ModuleNotFoundError" in body["error"]["message"]


async def test_files_over_the_websocket(warm_service):
    async with aiohttp.ClientSession() as session, session.ws_connect(ws_url(warm_service)) as ws:
        await ws.send_json({"cells": CELLS[:1], "files": HELPERS})
        events = await collect(ws)
    assert events[-1]["type"] == "done" and events[-1]["result"]["ok"], events[-1]
    assert events[-1]["result"]["cells"][0]["stdout"] == "1000\n"


@pytest.mark.parametrize("files", [{"../local_module.py": ""}, {"sub/x.py": ""},
                                   {"x.pth": ""}, {"x.py": None}])
def test_bad_files_get_a_clear_400_and_no_sandbox(cold_service, files):
    cold_service.wait_idle()  # an earlier run's container is gone
    status, body = run_with(cold_service, ["print(1)"], files)
    assert status == 400 and body["error"]["kind"] == "bad_request", body
    assert '"files"' in body["error"]["message"]
    status, health = cold_service.health()
    assert status == 200 and health["pool"]["in_use"] == 0
    assert cold_service.unaccounted() == []


def test_files_count_towards_the_body_limit(cold_service):
    status, body = run_with(cold_service, ["print(1)"], {"big.py": "x = 1\n" * 120_000})
    assert status == 413 and body["error"]["kind"] == "too_large"
    assert cold_service.health()[0] == 200


def test_health_reports_the_sandboxes_installed_versions(warm_service):
    warm_service.wait_pool_ready()
    versions = warm_service.health()[1]["versions"]
    status, body = warm_service.run(["from importlib.metadata import version\n"
                                     "print(version('numpy'), version('matplotlib'))"])
    assert status == 200 and body["ok"], body
    assert body["cells"][0]["stdout"].split() == [versions["numpy"], versions["matplotlib"]]


def test_an_installed_module_wins_over_a_helper_of_the_same_name(cold_service):
    """sphinx-gallery appends the example's folder to sys.path; the sandbox does too."""
    cells = ["import colorsys, local_module\nprint(hasattr(colorsys, 'SHADOW'), local_module.N)"]
    status, body = run_with(cold_service, cells, {**HELPERS, "colorsys.py": "SHADOW = 1\n"})
    assert status == 200 and body["ok"], body
    assert body["cells"][0]["stdout"] == "False 1000\n"
