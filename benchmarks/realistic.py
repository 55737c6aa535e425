"""2. The realistic scikit-image example (``examples.REALISTIC``), three ways:

(a) through the service, PNG in the answer; (b) cold, in a fresh container of its own
(what each request would cost without a pool); (c) compute only, in an already-ready
harness (see ``compute.py``). (b) and (c) use the production container settings.
"""

from __future__ import annotations

import base64

from . import compute
from .context import Context, log, post
from .examples import REALISTIC
from .stats import fmt, pct, ratio_target, summary

ROW = "{:<52} {:>5} {:>9} {:>9}"


def run(ctx: Context) -> dict:
    return {"a_service": service(ctx), "b_cold_harness": compute.cold(ctx),
            "c_warm_compute": compute.warm(ctx)}


def service(ctx: Context) -> dict:
    n = 5 if ctx.quick else 15
    log(f"2a. realistic example through the service: warm-up + {n} samples")
    ctx.wait_quiet()
    post(ctx.url, {"cells": REALISTIC})
    rtt, server, sizes, pngs, problems = [], [], [], [], []
    for _ in range(n):
        if not ctx.in_time():
            break
        ctx.wait_quiet()
        status, body, elapsed, size = post(ctx.url, {"cells": REALISTIC})
        images = [img for c in body.get("cells", []) for img in c.get("images", [])]
        if (status == 200 and body.get("ok") and len(images) == 1
                and base64.b64decode(images[0]["data"][:12]).startswith(b"\x89PNG")):
            rtt.append(elapsed)
            server.append(body["duration_ms"] / 1000)
            sizes.append(size)
            pngs.append(len(images[0]["data"]))
        else:
            problems.append(f"{status}: {str(body)[:300]}")
    # Diagnostic: the same cells between two timing cells, so the sandbox itself says how
    # long the example took inside it; the rest of the round trip is service and transport.
    inside, inside_rtt = [], []
    timed = ["import time as _lgt\n_lgt0 = _lgt.perf_counter()\n", *REALISTIC,
             "print(_lgt.perf_counter() - _lgt0)\n"]
    for _ in range(3 if ctx.quick else 8):
        if not ctx.in_time():
            break
        ctx.wait_quiet()
        status, body, elapsed, _ = post(ctx.url, {"cells": timed})
        if status == 200 and body.get("ok"):
            inside.append(float(body["cells"][-1]["stdout"]))
            inside_rtt.append(elapsed)
        else:
            problems.append(f"timed {status}: {str(body)[:300]}")
    return {"http": summary(rtt), "server_duration": summary(server),
            "inside_sandbox": summary(inside), "inside_sandbox_http": summary(inside_rtt),
            "response_bytes": pct(sizes, 50), "png_base64_bytes": pct(pngs, 50),
            "problems": problems}


def report(rl: dict) -> list[str]:
    a, b, c = rl["a_service"], rl["b_cold_harness"], rl["c_warm_compute"]
    rows = [("(a) service: POST round trip, PNG included", a["http"]),
            ("    of which server duration_ms", a["server_duration"]),
            ("    timed inside the sandbox (separate samples)", a["inside_sandbox"]),
            ("    their round trip", a["inside_sandbox_http"]),
            ("(b) cold: new container, harness, to the result", b["to_result"]),
            ("    of which start until ready", b["ready"]),
            ("    then removal (not in the above)", b["remove"]),
            ("(c) warm harness, steady: request to done", c["steady"]),
            ("    cell 1 (compute)", c["steady_cells"][0]),
            ("    cell 2 (figure, PNG, base64)", c["steady_cells"][1]),
            ("(c') first run in a freshly ready sandbox", c["first_run"]),
            ("    cell 1 (compute)", c["first_run_cells"][0]),
            ("    cell 2 (figure, PNG, base64)", c["first_run_cells"][1])]
    lines = [ROW.format("2. realistic example (camera, sobel+gaussian, 1x2 fig)", "n",
                        "p50 ms", "p90 ms")]
    lines += [ROW.format(label, v["n"], fmt(v["p50_ms"]), fmt(v["p90_ms"]))
              for label, v in rows]
    lines.append(f"    response {a['response_bytes'] or 0:,.0f} B, PNG "
                 f"{a['png_base64_bytes'] or 0:,.0f} B base64")
    lines += [f"  problem: {p}" for sec in (a, b, c) for p in sec.get("problems", [])[:3]]
    return lines


def targets(rl: dict) -> list[dict]:
    a = rl["a_service"]["http"]["p50_ms"]
    b = rl["b_cold_harness"]["to_result"]["p50_ms"]
    c = rl["c_warm_compute"]["steady"]["p50_ms"]
    return [ratio_target("example: (a) service <= 0.3 x (b) cold harness", a, b, 0.3),
            ratio_target("example: (a) service <= 1.5 x (c) warm compute", a, c, 1.5)]
