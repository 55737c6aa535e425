"""Settings of the service: defaults that work with no configuration, each one also
settable as an environment variable ``LIVEGALLERY_<NAME>`` and as a command-line option."""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
from dataclasses import dataclass, field, fields

#: What a typical scikit-image example touches first. Lazy imports that examples trigger
#: (imageio through skimage.data, scipy.fft through filters) are listed too: measured,
#: they cost a cold run about 50 ms.
DEFAULT_PRELOAD = (
    "numpy,scipy.ndimage,scipy.fft,matplotlib.pyplot,skimage,skimage.data,skimage.io,"
    "imageio.v3,skimage.filters,skimage.color,skimage.util,skimage.exposure,"
    "skimage.feature,skimage.morphology"
)

#: The CPU weight of a claimed sandbox: the engine's default, that of any container.
CLAIMED_CPU_SHARES = 1024

#: A node name: safe inside a token, a URL query and an nginx map regex.
NODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
#: A runtime name as dockerd's daemon.json "runtimes" keys them.
RUNTIME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")


@dataclass(frozen=True)
class Settings:
    # Where to listen.
    host: str = "127.0.0.1"
    port: int = 8765
    # The Docker engine (empty: DOCKER_HOST or the local socket) and the sandbox image.
    docker_url: str = ""
    image: str = "livegallery-sandbox:latest"
    # Limits of one run; see docs/operators.rst for why these values.
    timeout: float = field(default=180.0, metadata={"help": "wall-clock seconds per run"})
    memory_mb: int = field(default=3072, metadata={"help": "memory (and memory+swap) in MiB"})
    pids: int = field(default=64, metadata={"help": "processes and threads"})
    cpus: float = field(default=1.0, metadata={"help": "CPU quota in cores"})
    tmp_mb: int = field(default=64, metadata={"help": "size of the /tmp tmpfs in MiB"})
    fsize_mb: int = field(default=16, metadata={"help": "largest file a run may write, MiB"})
    nofile: int = field(default=256, metadata={"help": "open files"})
    max_output_bytes: int = field(default=1_000_000, metadata={"help": "stdout+stderr per run"})
    max_images: int = field(default=20, metadata={"help": "figures per run"})
    max_image_bytes: int = field(default=4_000_000, metadata={"help": "base64 bytes per figure"})
    max_html: int = field(default=20, metadata={"help": "HTML outputs per run"})
    max_html_bytes: int = field(default=30_000_000, metadata={"help": "bytes of HTML per run"})
    # Limits of a request.
    max_body_bytes: int = field(default=512 * 1024, metadata={"help": "request body size"})
    max_cells: int = field(default=200, metadata={"help": "cells per request"})
    # Concurrency: runs at once, and requests allowed to wait for a slot (then 429).
    max_concurrent: int = 4
    queue_size: int = 8
    queue_timeout: float = field(default=15.0, metadata={"help": "seconds a request may wait"})
    # The warm pool: containers started ahead, each pre-importing these modules.
    # 4: a burst of new readers finds ready containers while refills catch up (measured in
    # docs/performance.rst: at one new reader per second, 2 ran dry); ~75 MiB each, idle.
    pool_size: int = field(default=4, metadata={"help": "ready containers (0: start per run)"})
    preload: str = field(default=DEFAULT_PRELOAD, metadata={"help": "modules to pre-import"})
    # What a cell's last expression shows: sphinx-gallery's capture_repr, comma-separated
    # (its default; set what the gallery's conf.py sets, "" for nothing).
    capture_repr: str = field(default="_repr_html_,__repr__",
                              metadata={"help": "methods tried on a last expression"})
    refill_concurrency: int = field(default=2, metadata={"help": "containers starting at once"})
    # A container's CPU weight (cgroup cpu.shares) until a reader's run claims it; claimed
    # ones get the engine's default, 1024. Lower, a starting container's imports take the
    # CPU readers' runs leave idle instead of half of it. 0 or 1024: no difference. Only
    # with the default runtime (runc): gVisor's runsc cannot change it later.
    spare_cpu_shares: int = field(default=128,
                                  metadata={"help": "CPU weight of unclaimed containers"})
    ready_timeout: float = field(default=30.0,
                                 metadata={"help": "seconds for a sandbox to be ready"})
    max_idle: float = field(default=600.0, metadata={"help": "recycle a ready container after"})
    image_check_interval: float = field(default=5.0, metadata={"help": "seconds between checks"})
    # Reader sessions: a reader's next run reuses their own sandbox (~70 MiB each while
    # idle). max_sessions = 0 turns them off: every run then gets a fresh sandbox.
    max_sessions: int = field(default=16, metadata={"help": "live sessions (0: off)"})
    session_idle: float = field(default=300.0, metadata={"help": "end a session idle this long, s"})
    session_max_age: float = field(default=1800.0, metadata={"help": "end a session this old, s"})
    # Datasets examples download at run time, supplied read-only: a directory on the Docker
    # host mounted at /opt/livegallery/data (e.g. scikit-image's pooch cache in its
    # "scikit-image" subfolder; see docs/operators.rst).
    data_dir: str = field(default="", metadata={"help": "read-only datasets directory"})
    # Browsers allowed to call the API: comma-separated origins, "*", or host:* patterns.
    cors_origins: str = "http://localhost:*,http://127.0.0.1:*,http://[::1]:*"
    # Optional: serve a built Sphinx site at / (the demo runs site and API on one origin).
    static_dir: str = ""
    # This host's name among several behind one proxy: session tokens start with
    # "<node>." so the proxy can route a reader back to the host that holds the session.
    node: str = field(default="", metadata={"help": "host name in session tokens ([A-Za-z0-9_-])"})
    # The OCI runtime of sandboxes as registered with dockerd ("" is the engine's default,
    # runc; "runsc" is gVisor, see scripts/setup-gvisor.sh and docs/operators.rst).
    runtime: str = field(default="", metadata={"help": "Docker runtime of sandboxes (e.g. runsc)"})

    def __post_init__(self) -> None:
        if self.runtime and not RUNTIME_PATTERN.fullmatch(self.runtime):
            raise ValueError(f"runtime must match {RUNTIME_PATTERN.pattern}, got {self.runtime!r}")
        if self.node and not NODE_PATTERN.fullmatch(self.node):
            raise ValueError(f"node must match {NODE_PATTERN.pattern}, got {self.node!r}")
        if self.data_dir and not os.path.isdir(self.data_dir):
            raise ValueError(f"data_dir {self.data_dir!r} is not a directory (it is mounted "
                             "read-only into every sandbox; see docs/operators.rst)")
        if not all(m.strip().isidentifier() for m in self.capture_repr.split(",") if m.strip()):
            raise ValueError("capture_repr must be method names separated by commas, got "
                             f"{self.capture_repr!r}")
        if self.spare_cpu_shares and not 2 <= self.spare_cpu_shares <= 262144:
            raise ValueError("spare_cpu_shares must be 0 (off) or 2..262144 (cgroup "
                             f"cpu.shares), got {self.spare_cpu_shares}")
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                zero_ok = {"pool_size", "queue_size", "port", "max_sessions",
                           "spare_cpu_shares"}
                minimum = 0 if f.name in zero_ok else 0.001
                if value < minimum:
                    raise ValueError(f"{f.name} must be at least {minimum}, got {value}")

    @property
    def cpu_priority(self) -> bool:
        """Unclaimed containers run at a lower CPU weight, raised when a run claims one."""
        return self.spare_cpu_shares not in (0, CLAIMED_CPU_SHARES) and not self.runtime

    @property
    def origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]

    def limits(self) -> dict:
        """The limits a reader's code runs under, as health reports them."""
        names = ("timeout", "memory_mb", "pids", "cpus", "tmp_mb", "fsize_mb", "nofile",
                 "max_output_bytes", "max_images", "max_image_bytes", "max_html",
                 "max_html_bytes", "max_body_bytes",
                 "max_cells", "max_concurrent", "queue_size")
        return {name: getattr(self, name) for name in names}


def env_name(name: str) -> str:
    return "LIVEGALLERY_" + name.upper()


def _convert(f: dataclasses.Field, raw: str):
    kind = type(f.default)
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"{env_name(f.name)}={raw!r} is not a valid {kind.__name__}") from None


def from_env(environ=os.environ, **overrides) -> Settings:
    """Settings from ``LIVEGALLERY_*`` variables, then explicit overrides."""
    values = {}
    for f in fields(Settings):
        if env_name(f.name) in environ:
            values[f.name] = _convert(f, environ[env_name(f.name)])
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)


def argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="livegallery-backend",
        description="Run gallery cells in hardened Docker sandboxes. Every option can also "
        "be set as an environment variable LIVEGALLERY_<OPTION>, e.g. LIVEGALLERY_PORT.",
    )
    for f in fields(Settings):
        parser.add_argument(
            "--" + f.name.replace("_", "-"),
            dest=f.name,
            type=type(f.default),
            default=None,
            help=f"{f.metadata.get('help', f.name.replace('_', ' '))} (default {f.default!r})",
        )
    return parser
