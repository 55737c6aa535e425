"""The HTTP contract against the real service: bad input gets a clear JSON error and
loses nothing; good input gets the documented shape."""

from __future__ import annotations

import json

import pytest

from .service import Service, containers

pytestmark = pytest.mark.docker


def assert_error(status_body, status, kind):
    got_status, body = status_body
    assert got_status == status, body
    assert set(body) == {"error"} and set(body["error"]) == {"kind", "message"}
    assert body["error"]["kind"] == kind
    assert body["error"]["message"]


def assert_still_healthy(service):
    status, body = service.health()
    assert status == 200 and body["status"] == "ok"
    assert body["pool"]["in_use"] == 0


@pytest.mark.parametrize("raw, fragment", [
    (b'{"cells": ["print(1)"', "not valid JSON"),
    (b"", "not valid JSON"),
    (b"\xff\xfe{}", "not valid UTF-8"),
    (b"[1, 2]", "JSON object"),
    (b'{"cells": "print(1)"}', "list of strings"),
    (b'{"cells": [1, 2]}', "list of strings"),
    (b'{"cells": []}', "must not be empty"),
    (b'{"code": 42}', "must be a string"),
    (b'{"cells": ["a"], "code": "b"}', "exactly one"),
    (b'{"source": "print(1)"}', "exactly one"),
])
def test_bad_input_is_a_clear_400(warm_service, raw, fragment):
    warm_service.wait_idle()  # earlier tests' refills have settled
    before = containers(warm_service.owner)
    result = warm_service.run(raw=raw)
    assert_error(result, 400, "bad_request")
    assert fragment in result[1]["error"]["message"]
    assert_still_healthy(warm_service)
    assert containers(warm_service.owner) == before  # no sandbox was used


def test_too_many_cells(warm_service):
    assert_error(warm_service.run(["pass"] * 201), 400, "bad_request")


def test_oversized_body_is_413(warm_service):
    result = warm_service.run(code="x = '" + "a" * (600 * 1024) + "'")
    assert_error(result, 413, "too_large")
    assert_still_healthy(warm_service)


def test_unknown_path_and_method_are_json(warm_service):
    status, _, raw = warm_service.request("GET", "/api/v1/nope")
    assert status == 404 and json.loads(raw)["error"]["kind"] == "not_found"
    status, _, raw = warm_service.request("GET", "/api/v1/run")
    assert status == 405 and json.loads(raw)["error"]["kind"] == "method_not_allowed"


def test_result_shape_and_per_cell_outputs(warm_service):
    cells = ["print('one')\nimport sys\nprint('err', file=sys.stderr)",
             "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.figure()\nplt.plot([2, 1])\n"
             "plt.show()",
             "x = 6 * 7\nx"]
    status, body = warm_service.run(cells)
    assert status == 200
    assert set(body) == {"ok", "cells", "error", "duration_ms", "session"}
    assert isinstance(body["session"], str) and len(body["session"]) >= 32
    assert body["ok"] is True and body["error"] is None
    assert [c["stdout"] for c in body["cells"]] == ["one\n", "", "42\n"]
    assert [c["stderr"] for c in body["cells"]] == ["err\n", "", ""]  # plt.show() is silent
    assert [len(c["images"]) for c in body["cells"]] == [0, 2, 0]
    image = body["cells"][1]["images"][0]
    assert image["mime"] == "image/png"
    import base64
    assert base64.b64decode(image["data"]).startswith(b"\x89PNG\r\n\x1a\n")
    assert isinstance(body["duration_ms"], float)


def test_code_is_one_cell(warm_service):
    status, body = warm_service.run(code="print('hi')")
    assert status == 200
    assert body["cells"] == [{"stdout": "hi\n", "stderr": "", "images": [], "html": []}]


def test_error_in_cell_2_keeps_cell_1(warm_service):
    status, body = warm_service.run([
        "print('first')",
        "def f():\n    return 1 / 0\n\nprint('second')\nf()",
        "print('never')",
    ])
    assert status == 200 and body["ok"] is False
    assert len(body["cells"]) == 2
    assert body["cells"][0]["stdout"] == "first\n"
    assert body["cells"][1]["stdout"] == "second\n"
    error = body["error"]
    assert error["kind"] == "exception" and error["cell"] == 1
    assert error["message"] == "ZeroDivisionError: division by zero"
    tb = error["traceback"]
    # Line numbers of the reader's cell, its own source quoted, no harness frames.
    assert 'File "<cell 2>", line 5, in <module>' in tb
    assert 'File "<cell 2>", line 2, in f' in tb and "return 1 / 0" in tb
    assert "harness" not in tb


def test_syntax_error_names_the_cell_line(warm_service):
    status, body = warm_service.run(["x = 1", "y = (\n"])
    assert body["error"]["kind"] == "exception" and body["error"]["cell"] == 1
    assert "SyntaxError" in body["error"]["message"]
    assert '"<cell 2>", line 1' in body["error"]["traceback"]


def test_namespace_is_shared_across_cells_but_not_runs(warm_service):
    assert warm_service.run(["secret = 41", "print(secret + 1)"])[1]["cells"][1]["stdout"] == "42\n"
    status, body = warm_service.run(code="print(secret)")
    assert body["error"]["kind"] == "exception" and "NameError" in body["error"]["message"]
    status, body = warm_service.run(code="import os\nprint(sorted(os.listdir('/tmp')))")
    assert status == 200, body
    assert ".matplotlib" in body["cells"][0]["stdout"] and "fill" not in body["cells"][0]["stdout"]


def test_cors_allowed_and_refused_origins(warm_service):
    ok = "http://localhost:5500"
    status, headers, _ = warm_service.request(
        "OPTIONS", "/api/v1/run", headers={"Origin": ok, "Access-Control-Request-Method": "POST"})
    assert status == 204 and headers["Access-Control-Allow-Origin"] == ok
    status, body = warm_service.run(code="print(1)", headers={"Origin": ok})
    assert status == 200
    status, body = warm_service.run(code="print(1)", headers={"Origin": "https://evil.example"})
    assert status == 403 and body["error"]["kind"] == "forbidden"


def test_full_service_answers_429_with_retry_after():
    service = Service(pool_size=1, max_concurrent=1, queue_size=0, timeout=5)
    service.start()
    try:
        import threading
        results = []
        slow = threading.Thread(target=lambda: results.append(
            service.run(code="import time\ntime.sleep(3)")))
        slow.start()
        service.wait_until(lambda: service.health()[1]["pool"]["in_use"] == 1, 10, "a busy slot")
        status, headers, raw = service.request(
            "POST", "/api/v1/run", json.dumps({"code": "print(1)"}).encode())
        assert status == 429 and json.loads(raw)["error"]["kind"] == "busy"
        assert int(headers["Retry-After"]) >= 1
        slow.join()
        assert results[0][0] == 200 and results[0][1]["ok"] is True
        assert service.run(code="print(2)")[1]["cells"][0]["stdout"] == "2\n"
    finally:
        assert service.stop() == 0
