"""1. ``print(1)`` through the warm pool vs ``docker run --rm IMG python -c "print(1)"``.

The cold side is deliberately a plain ``docker run`` (no hardening): the baseline a
service without a pool would start from. Samples are interleaved, each from a quiet
service.
"""

from __future__ import annotations

from .context import Context, log, post
from .examples import TRIVIAL
from .stats import fmt, ratio_target, summary

ROW = "{:<52} {:>5} {:>9} {:>9}"


def run(ctx: Context) -> dict:
    n_warm, n_cold = (10, 5) if ctx.quick else (30, 12)
    plain = [ctx.image, "python", "-c", "print(1)"]
    log(f"1. trivial: warm-up, then {n_warm} warm and {n_cold} cold samples (interleaved)")
    ctx.wait_quiet()
    post(ctx.url, {"code": TRIVIAL})
    ctx.docker_run("cold1", plain)
    warm, server, cold, problems = [], [], [], []
    for i in range(n_warm):
        if not ctx.in_time():
            break
        ctx.wait_quiet()
        status, body, elapsed, _ = post(ctx.url, {"code": TRIVIAL})
        if status == 200 and body.get("ok") and body["cells"][0]["stdout"] == "1\n":
            warm.append(elapsed)
            server.append(body["duration_ms"] / 1000)
        else:
            problems.append(f"warm {status}: {str(body)[:200]}")
        if i < n_cold:
            ctx.wait_quiet()
            proc, elapsed = ctx.docker_run("cold1", plain)
            if proc.returncode == 0 and proc.stdout == b"1\n":
                cold.append(elapsed)
            else:
                problems.append(f"cold rc={proc.returncode}: {proc.stderr[-200:]!r}")
    return {
        "warm_http": summary(warm),
        "warm_server_duration": summary(server),
        "cold_docker_run": summary(cold),
        "cold_command": f'docker run --rm {ctx.image} python -c "print(1)"',
        "problems": problems,
    }


def report(t: dict) -> list[str]:
    lines = [ROW.format("1. print(1)", "n", "p50 ms", "p90 ms")]
    for label, key in (("warm: POST /api/v1/run round trip", "warm_http"),
                       ("  of which server duration_ms", "warm_server_duration"),
                       ('cold: docker run --rm IMG python -c "print(1)"', "cold_docker_run")):
        v = t[key]
        lines.append(ROW.format(label, v["n"], fmt(v["p50_ms"]), fmt(v["p90_ms"])))
    return lines


def targets(t: dict) -> list[dict]:
    return [ratio_target("print(1): warm p50 <= 0.1 x docker run p50",
                         t["warm_http"]["p50_ms"], t["cold_docker_run"]["p50_ms"], 0.1)]
