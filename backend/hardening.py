"""Every restriction a sandbox container runs under, in one place.

A reader's code is hostile until proven otherwise. Each container serves one reader, has no
network, no capabilities, no way to gain privileges, a read-only root with a small
``/tmp``, and limits on memory (no swap beyond it), processes, CPU, file size and open
files. Output is read through attach up to the service's caps; the log driver is off so
nothing piles up on the host's disk.
"""

from __future__ import annotations

import os

from .config import Settings

#: Every container the service creates carries this label (a public contract: operators
#: and tests find sandboxes by it).
LABEL = "livegallery"
#: Which service process created the container, so a restart can sweep its leftovers.
OWNER_LABEL = "livegallery.owner"

#: The unprivileged user baked into the image; forced here too, whatever the image says.
SANDBOX_USER = "10001:10001"
#: Where the operator's datasets (setting data_dir) appear, read-only; the image's own
#: (images/build.sh --fetch-data) live there too and are hidden by the mount.
DATA_MOUNT = "/opt/livegallery/data"
HARNESS = ["python3", "/opt/livegallery/harness.py"]

MIB = 1024 * 1024


def container_config(settings: Settings, image: str, owner: str) -> dict:
    """The Docker Engine API body of ``POST /containers/create`` for one sandbox."""
    memory = settings.memory_mb * MIB
    return {
        "Image": image,
        "Cmd": HARNESS,
        "User": SANDBOX_USER,
        "WorkingDir": "/tmp",
        "Env": [f"LIVEGALLERY_PRELOAD={settings.preload}", "HOME=/tmp", "TMPDIR=/tmp",
                # Outputs over these are left out by the harness, with a note.
                f"LIVEGALLERY_MAX_IMAGE_BYTES={settings.max_image_bytes}",
                f"LIVEGALLERY_MAX_HTML_BYTES={settings.max_html_bytes}",
                f"LIVEGALLERY_CAPTURE_REPR={settings.capture_repr}",
                *thread_env(settings.cpus)],
        # The harness reads its one request from stdin and writes events to stdout.
        "AttachStdin": True,
        "AttachStdout": True,
        "AttachStderr": True,
        "OpenStdin": True,
        "StdinOnce": True,
        "Tty": False,
        "NetworkDisabled": True,
        "Labels": {LABEL: "1", OWNER_LABEL: owner},
        "HostConfig": host_config(settings, memory),
    }


def thread_env(cpus: float) -> list[str]:
    """Size the BLAS/OpenMP thread pools to the CPU quota, not to the host's cores they
    see: threads beyond the quota spin against it. Measured under ``cpus=1`` on 2 cores:
    a scikit-learn GaussianMixture fit took 51 s with OpenBLAS's 2 threads, 2.4 s with 1."""
    threads = str(max(1, int(cpus)))
    # joblib's process pools need /dev/shm, which a sandbox has not: it would warn on
    # every n_jobs=-1 (scikit-learn) and then run serially anyway. Say serial up front.
    return [f"{name}={threads}" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                              "MKL_NUM_THREADS")] + ["JOBLIB_MULTIPROCESSING=0"]


def host_config(settings: Settings, memory: int) -> dict:
    config = {
        "NetworkMode": "none",
        "CapDrop": ["ALL"],
        "SecurityOpt": ["no-new-privileges:true"],
        "Privileged": False,
        "ReadonlyRootfs": True,
        # noexec: nothing written at run time can be executed or loaded as a library.
        "Tmpfs": {"/tmp": f"rw,nosuid,nodev,noexec,size={settings.tmp_mb}m,mode=1777"},
        "IpcMode": "none",  # no /dev/shm: one less writable place
        "Memory": memory,
        "MemorySwap": memory,  # equal to Memory: no swap at all
        "OomScoreAdj": 1000,  # the host's OOM killer picks sandboxes first
        "PidsLimit": settings.pids,
        "NanoCpus": int(settings.cpus * 1e9),
        "Ulimits": [
            {"Name": "fsize", "Soft": settings.fsize_mb * MIB, "Hard": settings.fsize_mb * MIB},
            {"Name": "nofile", "Soft": settings.nofile, "Hard": settings.nofile},
            {"Name": "core", "Soft": 0, "Hard": 0},
            # POSIX message queues outlive processes and cannot be listed without a
            # mount: refuse them, so nothing can be left for a session's next run.
            {"Name": "msgqueue", "Soft": 0, "Hard": 0},
        ],
        "LogConfig": {"Type": "none", "Config": {}},
        "Init": False,
        # Removed by the service after each run (it reads the OOM state first).
        "AutoRemove": False,
        "RestartPolicy": {"Name": "no"},
    }
    if settings.cpu_priority:  # raised to the default when a run claims it (pool.py)
        config["CpuShares"] = settings.spare_cpu_shares
    if settings.runtime:  # e.g. gVisor's runsc; unset, the engine's default (runc)
        config["Runtime"] = settings.runtime
    if settings.data_dir:
        config["Mounts"] = [data_mount(settings.data_dir)]
    return config


def data_mount(path: str) -> dict:
    """The datasets directory, read-only: a reader's code can read it and change nothing.
    A bind mount (not a volume) so a missing directory is an error, never created."""
    return {"Type": "bind", "Source": os.path.abspath(path), "Target": DATA_MOUNT,
            "ReadOnly": True, "BindOptions": {"Propagation": "rprivate"}}
