"""The printed report: a header about the run, each benchmark's lines, the targets."""

from __future__ import annotations

from .registry import Benchmark


def header(r: dict) -> list[str]:
    env, st = r["environment"], r["settings"]
    return [
        f"livegallery benchmark ({r['mode']}) {r['started']}  commit {env['git_commit']}"
        f"{' (backend/images modified)' if env['git_dirty'] else ''}",
        f"host {env['host']}: {env['cpus']} CPUs, kernel {env['kernel']}, docker "
        f"{env['docker']}, image {r['image']} {env['image_id'][7:19]}",
        f"service: default settings (pool_size {st['pool_size']}, max_concurrent "
        f"{st['max_concurrent']}, queue_size {st['queue_size']}, refill_concurrency "
        f"{st['refill_concurrency']}, cpus {st['cpus']:g}); overrides: "
        f"{r['overrides'] or 'none'}; ready in {r['service_ready_s']:.1f} s",
        f"load average {r['loadavg_start']} at start, {r.get('loadavg_end')} at end",
    ]


def target_lines(rows: list[dict]) -> list[str]:
    lines = ["targets"]
    for tr in rows:
        measured = tr["measured"]
        shown = f"{measured:.3f}" if isinstance(measured, float) else str(measured)
        lines.append(f"  {'PASS' if tr['pass'] else 'FAIL'}  {tr['target']:<52} {shown:>7}"
                     f"  {tr['detail']}")
    return lines


def report(r: dict, benchmarks: list[Benchmark]) -> str:
    lines = header(r)
    for bench in benchmarks:
        section = r["sections"].get(bench.name)
        lines.append("")
        if section is None:
            lines.append(f"{bench.name}: not measured ({r['errors'].get(bench.name, '?')})")
        else:
            lines += bench.report(section)
    lines += ["", *target_lines(r["targets"])]
    return "\n".join(lines)
