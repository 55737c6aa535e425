"""A real nginx (Debian's package on the host) run with deploy/nginx/render.py's output,
in a temporary directory, on a free loopback port."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from .service import ROOT, Service, free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
_spec = importlib.util.spec_from_file_location("render", ROOT / "deploy" / "nginx" / "render.py")
render = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(render)


def nginx_problem() -> str | None:
    if not os.path.exists(NGINX):
        return "nginx is not installed (make nginx)"
    return None


def self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


class Nginx:
    def __init__(self, upstreams: dict[str, str], **settings: str):
        self.dir = Path(tempfile.mkdtemp(prefix="livegallery-nginx-"))
        (self.dir / "tmp").mkdir()
        # nginx's workers run as www-data when the tests run as root: let them write
        # their buffers and read the tree.
        os.chmod(self.dir, 0o755)
        os.chmod(self.dir / "tmp", 0o777)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            "NGINX_UPSTREAMS": ",".join(f"{n}={a}" for n, a in upstreams.items()),
            "NGINX_LISTEN_HTTP": f"127.0.0.1:{self.port}",
            "NGINX_LISTEN_HTTPS": "",
            "NGINX_PID": str(self.dir / "nginx.pid"),
            "NGINX_TEMP_DIR": str(self.dir / "tmp"),
            "NGINX_ACCESS_LOG": str(self.access_log),
            "NGINX_ERROR_LOG": str(self.dir / "error.log"),
            "NGINX_DOCS_DIR": "",
            **settings,
        }
        self.conf = self.dir / "nginx.conf"
        self.proc: subprocess.Popen | None = None

    @property
    def access_log(self) -> Path:
        return self.dir / "access.log"

    def write(self) -> Path:
        self.conf.write_text(render.render(self.env))
        return self.conf

    def test(self) -> subprocess.CompletedProcess:
        self.write()
        return subprocess.run([NGINX, "-t", "-c", str(self.conf), "-p", str(self.dir)],
                              capture_output=True, text=True)

    def start(self) -> None:
        self.write()
        self.proc = subprocess.Popen([NGINX, "-c", str(self.conf), "-p", str(self.dir),
                                      "-g", "daemon off;"], stderr=subprocess.PIPE)
        Service.wait_until(self._listening, 10, "nginx to listen")

    def _listening(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"nginx exited: {self.proc.stderr.read().decode()}")
        import socket
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: workers finish, then exit
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_lines(self) -> list[str]:
        return self.access_log.read_text().splitlines() if self.access_log.exists() else []
