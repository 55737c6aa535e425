"""Hostile code against the real service, the real engine and the real image.

Each test checks the clear error kind the reader sees, that the service still answers
``health`` afterwards, and that no container is left but those reader sessions keep (the
cold service starts one container per fresh run, so the count is exact).
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from .service import ROOT, containers

pytestmark = pytest.mark.docker

#: make test-gvisor runs this suite under gVisor. Its Sentry runs inside the container's
#: pids cgroup, so a fork bomb or a kill of every process ends the whole sandbox (a clear
#: "sandbox" error) where runc lets the code see the error or survive.
GVISOR = os.environ.get("LIVEGALLERY_RUNTIME") == "runsc"


def run_ok(service, code: str) -> dict:
    status, body = service.run(code=textwrap.dedent(code))
    assert status == 200, body
    return body


def assert_healthy_and_clean(service) -> None:
    service.wait_idle()
    status, body = service.health()
    assert status == 200 and body["status"] == "ok"
    assert len(containers(body["pool"]["owner"])) == body["sessions"]["live"]


def test_fork_bomb_hits_the_process_limit(cold_service):
    body = run_ok(cold_service, """
        import os
        while True:
            os.fork()
    """)
    assert body["ok"] is False
    if GVISOR:
        assert body["error"]["kind"] == "sandbox", body["error"]
    else:
        assert body["error"]["kind"] == "exception"
        assert "BlockingIOError" in body["error"]["message"]
    assert_healthy_and_clean(cold_service)


def test_memory_bomb_is_killed(cold_service):
    body = run_ok(cold_service, """
        chunks = []
        while True:
            chunks.append(bytearray(50 * 1024 * 1024))
    """)
    assert body["error"]["kind"] == "memory"
    assert "MiB" in body["error"]["message"]
    assert body["error"]["cell"] == 0
    assert_healthy_and_clean(cold_service)


def test_endless_loop_times_out(cold_service):
    body = run_ok(cold_service, "print('start', flush=True)\nwhile True:\n    pass\n")
    assert body["error"]["kind"] == "timeout"
    assert body["cells"][0]["stdout"] == "start\n"  # output before the kill is kept
    assert 4000 <= body["duration_ms"] < 15000
    assert_healthy_and_clean(cold_service)


def test_output_flood_is_capped(cold_service):
    body = run_ok(cold_service, "while True:\n    print('y' * 1000)\n")
    assert body["error"]["kind"] == "output_limit"
    assert 0 < len(body["cells"][0]["stdout"]) <= 1_000_000
    assert_healthy_and_clean(cold_service)


def test_raw_fd_flood_is_capped_too(cold_service):
    body = run_ok(cold_service, "import os\nwhile True:\n    os.write(1, b'z' * 65536)\n")
    assert body["error"]["kind"] == "output_limit"
    assert "z" * 100 in body["cells"][0]["stderr"]  # raw fd 1 output is shown as stderr
    assert_healthy_and_clean(cold_service)


def test_too_many_figures_are_capped(cold_service):
    body = run_ok(cold_service, """
        import matplotlib.pyplot as plt
        for i in range(30):
            plt.figure()
    """)
    assert body["error"]["kind"] == "output_limit"
    assert "figures" in body["error"]["message"]
    assert_healthy_and_clean(cold_service)


def test_no_network_inside(cold_service):
    # Only loopback targets: the sandbox's own lo. No outside address is ever aimed at.
    body = run_ok(cold_service, """
        import socket
        print(sorted(name for _, name in socket.if_nameindex()))
        routes = open('/proc/net/route').read().splitlines()[1:]
        print('routes', len(routes))
        try:
            socket.getaddrinfo('pypi.org', 443)
            print('lookup ok')
        except OSError as exc:
            print('lookup failed')
        s = socket.socket()
        s.settimeout(2)
        try:
            s.connect(('127.0.0.1', 9))
            print('connect ok')
        except OSError as exc:
            print('connect failed', type(exc).__name__)
    """)
    assert body["ok"] is True, body["error"]
    out = body["cells"][0]["stdout"].splitlines()
    assert out == ["['lo']", "routes 0", "lookup failed",
                   "connect failed ConnectionRefusedError"]
    assert_healthy_and_clean(cold_service)


def test_writing_outside_tmp_fails(cold_service):
    body = run_ok(cold_service, """
        import errno
        for path in ['/etc/livegallery', '/opt/livegallery/x', '/usr/lib/x', '/x', '/dev/shm/x']:
            try:
                open(path, 'w').write('x')
                print(path, 'WRITTEN')
            except OSError as exc:
                print(path, errno.errorcode[exc.errno])
        open('/tmp/ok.txt', 'w').write('fine')
        print(open('/tmp/ok.txt').read())
    """)
    assert body["ok"] is True, body["error"]
    out = body["cells"][0]["stdout"]
    assert "WRITTEN" not in out
    assert out.splitlines()[-1] == "fine"
    assert_healthy_and_clean(cold_service)


def test_filling_tmp_stops_at_its_size(cold_service):
    body = run_ok(cold_service, """
        import os
        written = 0
        for i in range(100):
            with open(f'/tmp/fill{i}', 'wb') as f:
                for _ in range(8):
                    f.write(b'0' * (1024 * 1024))
                    written += 1024 * 1024
        print('never here')
    """)
    assert body["error"]["kind"] == "exception"
    assert "No space left on device" in body["error"]["message"]
    assert "never here" not in body["cells"][0]["stdout"]
    assert_healthy_and_clean(cold_service)


def test_big_file_hits_the_file_size_limit(cold_service):
    body = run_ok(cold_service, "open('/tmp/big', 'wb').write(b'0' * (40 * 1024 * 1024))\n")
    assert body["error"]["kind"] == "exception"
    assert "File too large" in body["error"]["message"]
    assert_healthy_and_clean(cold_service)


#: File systems of the kernel's own (no host data in them), and the files Docker itself
#: mounts into every container (from its own state directory, whatever the engine's root).
VIRTUAL_FS = {"overlay", "proc", "tmpfs", "devpts", "sysfs", "cgroup", "cgroup2", "mqueue"}
DOCKER_FILES = {"/etc/hostname", "/etc/hosts", "/etc/resolv.conf"}


def host_paths() -> list[str]:
    """Paths that exist on this host, whatever the machine: this checkout, and the
    Docker socket where there is one."""
    paths = [str(ROOT), str(Path(__file__).resolve())]
    paths += [p for p in ("/var/run/docker.sock", "/run/docker.sock") if Path(p).exists()]
    assert all(Path(p).exists() for p in paths)
    return paths


def test_host_paths_are_not_visible(cold_service):
    paths = host_paths()
    body = run_ok(cold_service, f"""
        import json, os
        print(json.dumps([p for p in {paths!r} if os.path.exists(p)]))
        mounts = []
        for line in open('/proc/self/mountinfo'):
            fields = line.split()
            fstype = fields[fields.index('-') + 1]
            mounts.append([fields[4], fstype, fields[3]])
        print(json.dumps(mounts))
        try:
            open('/etc/shadow').read()
            print('shadow readable')
        except OSError as exc:
            print('shadow', type(exc).__name__)
        print('uid', os.getuid())
        print('pid1', open('/proc/1/cmdline').read().replace('\\0', ' ').strip())
    """)
    assert body["ok"] is True, body["error"]
    out = body["cells"][0]["stdout"].splitlines()
    assert json.loads(out[0]) == [], "host paths visible inside the sandbox"
    # Nothing of the host's file systems is mounted, but Docker's own per-container files.
    foreign = [m for m in json.loads(out[1])
               if m[1] not in VIRTUAL_FS and m[0] not in DOCKER_FILES
               and not (GVISOR and m[:2] == ["/", "9p"])]  # gVisor's gofer serves the image
    assert foreign == [], f"host file systems mounted in the sandbox: {foreign}"
    assert out[2] == "shadow PermissionError"
    assert out[3] == "uid 10001"
    assert out[4] == "pid1 python3 /opt/livegallery/harness.py"  # its own PID namespace
    assert_healthy_and_clean(cold_service)


def test_limits_inside_are_the_settings(cold_service):
    """What the engine really applies, read inside the sandbox, against the limits the
    service reports: ulimits, OOM score, /tmp mounted noexec, no /dev/shm (IpcMode none),
    memory and pids cgroup limits."""
    limits = cold_service.health()[1]["limits"]
    body = run_ok(cold_service, """
        import json, os, resource, stat
        out = {name: resource.getrlimit(getattr(resource, 'RLIMIT_' + name.upper()))
               for name in ('fsize', 'nofile', 'core')}
        out['oom_score_adj'] = int(open('/proc/self/oom_score_adj').read())
        for line in open('/proc/self/mountinfo'):
            fields = line.split()
            if fields[4] == '/tmp':
                out['tmp_options'] = fields[5].split(',')
                out['tmp_size'] = fields[fields.index('-') + 3]
        out['dev_shm'] = os.path.exists('/dev/shm')
        with open('/tmp/tool', 'w') as f:
            f.write('#!/bin/sh\\necho ran\\n')
        os.chmod('/tmp/tool', stat.S_IRWXU)
        try:
            os.execv('/tmp/tool', ['/tmp/tool'])
        except OSError as exc:
            out['exec_tmp'] = type(exc).__name__
        for key, name in (('memory', 'memory/memory.limit_in_bytes'), ('pids', 'pids/pids.max')):
            for path in (name, name.split('/')[0] + '.max'):  # cgroup v1, v2
                if os.path.exists('/sys/fs/cgroup/' + path):
                    out[key] = open('/sys/fs/cgroup/' + path).read().strip()
        print(json.dumps(out))
    """)
    assert body["ok"] is True, body["error"]
    inside = json.loads(body["cells"][0]["stdout"])
    mib = 1024 * 1024
    assert inside["fsize"] == [limits["fsize_mb"] * mib] * 2
    assert inside["nofile"] == [limits["nofile"]] * 2
    assert inside["core"] == [0, 0]
    assert inside["oom_score_adj"] == (0 if GVISOR else 1000)  # gVisor: set on its Sentry
    # gVisor's own tmpfs reports (and needs) only noexec: no setuid or device files there
    wanted = {"noexec"} if GVISOR else {"noexec", "nosuid", "nodev"}
    assert wanted <= set(inside["tmp_options"]), inside
    sizes = {f"size={limits['tmp_mb'] * 1024}k", f"size={limits['tmp_mb']}m"}  # runc, gVisor
    assert sizes & set(inside["tmp_size"].split(",")), inside
    assert inside["exec_tmp"] == "PermissionError"
    assert inside["dev_shm"] is GVISOR  # gVisor mounts its own /dev/shm whatever IpcMode says
    if not GVISOR:  # gVisor applies the cgroup to its Sentry, outside the sandbox's view
        assert int(inside["memory"]) == limits["memory_mb"] * mib
        assert int(inside["pids"]) == limits["pids"]
    assert_healthy_and_clean(cold_service)


def test_killing_pid_1_from_inside(cold_service):
    # The harness is PID 1 of the sandbox's namespace: the kernel drops these signals.
    body = run_ok(cold_service, """
        import os, signal
        for sig in (signal.SIGKILL, signal.SIGTERM):
            os.kill(1, sig)
        try:
            os.kill(-1, signal.SIGKILL)  # every process it may signal: none but itself
        except ProcessLookupError:
            pass
        print('still here')
    """)
    if GVISOR:  # gVisor's kill(-1) ends the sandbox: contained, reported, cleaned up
        assert body["ok"] or body["error"]["kind"] == "sandbox", body["error"]
    else:
        assert body["ok"] is True, body["error"]
        assert body["cells"][0]["stdout"] == "still here\n"
    assert_healthy_and_clean(cold_service)


def test_harness_exit_is_a_clear_sandbox_error(cold_service):
    body = run_ok(cold_service, "import os\nprint('bye', flush=True)\nos._exit(3)\n")
    assert body["error"]["kind"] == "sandbox"
    assert "exit code 3" in body["error"]["message"]
    assert body["cells"][0]["stdout"] == "bye\n"
    assert_healthy_and_clean(cold_service)


def test_no_privilege_escalation(cold_service):
    # no_new_privs from prctl(PR_GET_NO_NEW_PRIVS): gVisor's /proc/self/status omits it.
    body = run_ok(cold_service, """
        import ctypes
        status = dict(line.split(':', 1) for line in open('/proc/self/status'))
        print(status['CapEff'].strip(), ctypes.CDLL(None).prctl(39, 0, 0, 0, 0))
    """)
    assert body["cells"][0]["stdout"].split() == ["0000000000000000", "1"]
    assert_healthy_and_clean(cold_service)
