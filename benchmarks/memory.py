"""4. Memory of the service process and of the pool's idle containers (idle, full pool)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.service import containers

from .context import Context, log

MIB = 2**20


def measure(ctx: Context, when: str) -> dict:
    log(f"4. memory ({when})")
    pool = ctx.wait_quiet()
    ids = containers(ctx.owner)
    status = Path(f"/proc/{ctx.service.proc.pid}/status").read_text()
    vm = {line.split(":")[0]: int(line.split()[1]) * 1024
          for line in status.splitlines() if line.startswith(("VmRSS", "VmHWM"))}
    per = [{"id": cid[:12], **cgroup_memory(cid)} for cid in ids]
    stats = subprocess.run(
        ["docker", "stats", "--no-stream", "--format", "{{.ID}} {{.MemUsage}}", *ids],
        capture_output=True, text=True, timeout=60).stdout.split("\n")
    known = [c["usage_bytes"] for c in per if c.get("usage_bytes") is not None]
    working = [c["working_set_bytes"] for c in per if c.get("working_set_bytes") is not None]
    return {"when": when, "pool_ready": pool["ready"], "containers": len(ids),
            "service_rss_bytes": vm.get("VmRSS"), "service_peak_rss_bytes": vm.get("VmHWM"),
            "per_container": per, "docker_stats": [s for s in stats if s.strip()],
            "total_usage_bytes": sum(known) if known else None,
            "total_working_set_bytes": sum(working) if working else None}


def before(ctx: Context) -> dict:
    return measure(ctx, "idle with a full pool, before any run")


def after(ctx: Context) -> dict:
    return measure(ctx, "idle with a full pool, after the load")


def report(m: dict) -> list[str]:
    per = ", ".join(f"{c.get('working_set_bytes', 0) / MIB:.0f}/"
                    f"{c.get('usage_bytes', 0) / MIB:.0f}" for c in m["per_container"])
    return [f"4. memory, {m['when']}: service RSS {(m['service_rss_bytes'] or 0) / MIB:.1f} MiB;"
            f" {m['containers']} containers (working set/cgroup usage) [{per}] MiB, total "
            f"{(m['total_working_set_bytes'] or 0) / MIB:.0f}/"
            f"{(m['total_usage_bytes'] or 0) / MIB:.0f} MiB",
            f"  docker stats: {'; '.join(m['docker_stats'])}"]


def cgroup_memory(cid: str) -> dict:
    """Memory of one container from its cgroup (v1, else v2); as docker stats counts it,
    the working set is the usage minus the inactive file cache."""
    v1 = Path(f"/sys/fs/cgroup/memory/docker/{cid}")
    v2 = Path(f"/sys/fs/cgroup/system.slice/docker-{cid}.scope")
    keys = {v1: ("memory.usage_in_bytes", "total_inactive_file", "total_rss", "total_cache"),
            v2: ("memory.current", "inactive_file", "anon", "file")}
    for path, (current, inactive, rss, cache) in keys.items():
        if not path.is_dir():
            continue
        try:
            usage = int((path / current).read_text())
            stat = dict(line.split() for line in (path / "memory.stat").read_text().splitlines())
        except OSError as exc:
            return {"source": f"unreadable: {exc}"}
        return {"source": f"cgroup {'v1' if path == v1 else 'v2'}", "usage_bytes": usage,
                "rss_bytes": int(stat.get(rss, 0)), "cache_bytes": int(stat.get(cache, 0)),
                "working_set_bytes": usage - int(stat.get(inactive, 0))}
    return {"source": "no cgroup found"}
