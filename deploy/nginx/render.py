#!/usr/bin/env python3
"""Write nginx's whole configuration from ``NGINX_*`` environment variables.

One renderer serves the compose stack (the nginx image runs it at start) and the tests
(which run Debian's nginx on the host with the same output). Standard library only: the
nginx image has python3 but nothing else.

    render.py [OUT]   (default /etc/nginx/nginx.conf; "-" prints it)
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

DEFAULTS = {
    # Where nginx listens inside its container (compose maps the host side); the tests
    # give host addresses. An empty HTTPS listen turns TLS off.
    "NGINX_LISTEN_HTTP": "8080",
    "NGINX_LISTEN_HTTPS": "8443",
    "NGINX_SERVER_NAME": "localhost",
    "NGINX_TLS_CERT": "/etc/livegallery/tls/cert.pem",
    "NGINX_TLS_KEY": "/etc/livegallery/tls/key.pem",
    # "1": plain HTTP answers with a redirect to HTTPS (what a public site wants).
    "NGINX_HTTP_REDIRECT": "0",
    # Backend hosts: "node=host:port" comma-separated; node is each backend's
    # LIVEGALLERY_NODE, the prefix of its session tokens.
    "NGINX_UPSTREAMS": "local=backend:8765",
    # Per-client limits on runs (POST and WebSocket): a steady rate with a burst, and
    # connections at once. A client is its address (see NGINX_REAL_IP_FROM).
    "NGINX_RUN_RATE": "30r/m",
    "NGINX_RUN_BURST": "10",
    "NGINX_CONN_LIMIT": "4",
    # Failure accounting per host (see upstream_blocks): failures before a host is left
    # out, and for how long.
    "NGINX_MAX_FAILS": "0",
    "NGINX_FAIL_TIMEOUT": "10s",
    # Other API calls (health) per client.
    "NGINX_API_RATE": "10r/s",
    # Proxies in front of nginx whose X-Forwarded-For is trusted (CIDRs, comma-separated).
    # Empty: the TCP peer is the client, and X-Forwarded-For from clients is ignored.
    "NGINX_REAL_IP_FROM": "",
    "NGINX_MAX_BODY": "600k",
    # Longest wait for a POST run's answer: the run timeout plus the queue wait.
    "NGINX_RUN_TIMEOUT": "210s",
    # A built Sphinx site to serve at / (empty or without index.html: none).
    "NGINX_DOCS_DIR": "/srv/docs",
    # Files nginx writes; the tests point them at a temporary directory.
    "NGINX_PID": "/run/nginx.pid",
    "NGINX_ACCESS_LOG": "/dev/stdout",
    "NGINX_ERROR_LOG": "stderr",
    "NGINX_TEMP_DIR": "/var/lib/nginx",
    "NGINX_MIME_TYPES": "/etc/nginx/mime.types",
    "NGINX_USER": "www-data",
}

NODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
SERVER = re.compile(r"[A-Za-z0-9_.\-\[\]:]+:\d{1,5}")
RATE = re.compile(r"\d+r/[sm]")
SIZE = re.compile(r"\d+[kKmM]?")
DURATION = re.compile(r"\d+(ms|s|m)?")


class ConfigError(ValueError):
    pass


def settings(environ=os.environ) -> dict:
    s = {k: environ.get(k, v) for k, v in DEFAULTS.items()}
    for key, pattern in [("NGINX_RUN_RATE", RATE), ("NGINX_API_RATE", RATE),
                         ("NGINX_RUN_BURST", SIZE), ("NGINX_CONN_LIMIT", SIZE),
                         ("NGINX_MAX_BODY", SIZE), ("NGINX_RUN_TIMEOUT", DURATION),
                         ("NGINX_MAX_FAILS", SIZE), ("NGINX_FAIL_TIMEOUT", DURATION)]:
        if not pattern.fullmatch(s[key]):
            raise ConfigError(f"{key}={s[key]!r} does not match {pattern.pattern}")
    return s


def upstreams(spec: str) -> list[tuple[str, str]]:
    """``[(node, "host:port"), ...]`` from ``"a=host1:8765,b=host2:8765"``."""
    result = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        node, _, server = item.partition("=")
        if not NODE.fullmatch(node) or not SERVER.fullmatch(server):
            raise ConfigError(f"NGINX_UPSTREAMS entry {item!r} is not node=host:port "
                              f"(node matching {NODE.pattern})")
        result.append((node, server))
    if not result:
        raise ConfigError("NGINX_UPSTREAMS names no backend")
    if len({n for n, _ in result}) != len(result):
        raise ConfigError("NGINX_UPSTREAMS names a node twice")
    return result


def upstream_blocks(backends: list[tuple[str, str]], s: dict) -> str:
    # nginx counts a 429 that it retries as a failure of that host. With failure
    # accounting on (NGINX_MAX_FAILS > 0), busy hosts are taken out for NGINX_FAIL_TIMEOUT,
    # and under a peak every host is out and clients get 503 instead of 429. Off (0, the
    # default), a dead host costs one refused connection on its turn, retried at once on
    # another, and it takes part again as soon as it answers.
    opts = f"max_fails={s['NGINX_MAX_FAILS']} fail_timeout={s['NGINX_FAIL_TIMEOUT']}"
    # zone: the workers share each group's state (which host failed, whose turn it is).
    lines = ["upstream livegallery_all {", "    zone livegallery_all 64k;"]
    lines += [f"    server {server} {opts};" for _, server in backends]
    lines += ["    keepalive 16;", "}"]
    # One group per node for its sessions: that host first, the others as backups, so a
    # dead host's readers fall back to a fresh sandbox elsewhere (the session is lost).
    for node, server in backends:
        lines += [f"upstream livegallery_node_{node} {{", f"    zone livegallery_node_{node} 64k;",
                  f"    server {server} {opts};"]
        lines += [f"    server {other} backup;" for n, other in backends if n != node]
        lines += ["    keepalive 16;", "}"]
    lines += ["map $arg_session $livegallery_upstream {", "    default livegallery_all;"]
    lines += [f'    "~^{node}\\." livegallery_node_{node};' for node, _ in backends]
    lines += ["}"]
    return "\n".join(lines)


def real_ip(spec: str) -> str:
    cidrs = [c.strip() for c in spec.split(",") if c.strip()]
    if not cidrs:
        return "# No trusted proxy: the client is the TCP peer (NGINX_REAL_IP_FROM)."
    for cidr in cidrs:
        if not re.fullmatch(r"[0-9A-Fa-f.:/]+|unix:", cidr):
            raise ConfigError(f"NGINX_REAL_IP_FROM entry {cidr!r} is not an address or CIDR")
    lines = [f"set_real_ip_from {c};" for c in cidrs]
    return "\n    ".join(lines + ["real_ip_header X-Forwarded-For;", "real_ip_recursive on;"])


PROXY_COMMON = """
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Request-ID $request_id;
        proxy_connect_timeout 2s;"""


def refusal(name: str, status: int, retry_after: int, kind: str, message: str) -> str:
    """A named location answering as the API's own errors do (JSON, Retry-After)."""
    body = json.dumps({"error": {"kind": kind, "message": message}})
    return f"""    location @{name} {{
        default_type application/json;
        add_header Access-Control-Allow-Origin $http_origin always;
        add_header Access-Control-Expose-Headers Retry-After always;
        add_header Vary Origin always;
        add_header Retry-After {retry_after} always;
        return {status} '{body}';
    }}"""


def api_locations(s: dict, hosts: int) -> str:
    return f"""
    location = /api/v1/run {{
        limit_req zone=livegallery_runs burst={s['NGINX_RUN_BURST']} nodelay;
        limit_conn livegallery_conns {s['NGINX_CONN_LIMIT']};
        proxy_pass http://$livegallery_upstream;
        proxy_http_version 1.1;
        proxy_set_header Connection "";{PROXY_COMMON}
        proxy_read_timeout {s['NGINX_RUN_TIMEOUT']};
        # A run refused with 429 (busy) or 503 (no Docker, no image) never started, and
        # one whose host refused the connection or timed out connecting never arrived:
        # retrying those on another host is what makes several hosts one service. POST is
        # not idempotent, hence non_idempotent, which is safe for these cases only because
        # such a run did nothing. A host dying mid-run (error after the request was sent,
        # nothing answered yet) is retried too: the cells then run again from the start
        # on another host, which has no effect beyond the repeated compute since a run
        # touches nothing outside its single-use sandbox.
        proxy_next_upstream error timeout http_429 http_503 non_idempotent;
        proxy_next_upstream_tries {max(hosts, 2)};  # each host once
        proxy_next_upstream_timeout 20s;
    }}

    location = /api/v1/stream {{
        limit_req zone=livegallery_runs burst={s['NGINX_RUN_BURST']} nodelay;
        limit_conn livegallery_conns {s['NGINX_CONN_LIMIT']};
        proxy_pass http://$livegallery_upstream;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;{PROXY_COMMON}
        # The backend pings every 20 s; a stream lasts as long as its run.
        proxy_read_timeout 120s;
        proxy_send_timeout 120s;
        # Only the handshake can be retried (a GET: no non_idempotent needed). A full host
        # refuses it with 429 before upgrading; a refusal inside the stream is final.
        proxy_next_upstream error timeout http_429 http_503;
        proxy_next_upstream_tries {max(hosts, 2)};
    }}

    location /api/ {{
        limit_req zone=livegallery_api burst=20 nodelay;
        proxy_pass http://livegallery_all;
        proxy_http_version 1.1;
        proxy_set_header Connection "";{PROXY_COMMON}
        proxy_read_timeout 15s;
        proxy_next_upstream error timeout http_503;
    }}

    # Refusals made by nginx itself speak the API's JSON error shape, readable by a
    # docs page on another origin (an error carries nothing private, so any origin may
    # read it; the backend's own CORS rules govern real answers).
    error_page 429 @limited;
    error_page 502 504 =503 @unavailable;
{refusal("limited", 429, 2, "rate_limited",
             "Too many runs from your address; try again shortly.")}
{refusal("unavailable", 503, 5, "backend_unavailable",
             "No backend host answers; try again shortly.")}

    # The backend's /metrics is for the operator's Prometheus, not the public.
    location = /metrics {{
        return 404;
    }}
"""


def docs_location(s: dict) -> str:
    root = s["NGINX_DOCS_DIR"]
    if root and Path(root, "index.html").is_file():
        return f"""
    location / {{
        root {root};
        index index.html;
        try_files $uri $uri/ =404;
    }}"""
    return """
    location / {
        return 404 "No site is served here; the API is under /api/v1/.\\n";
    }"""


def server_blocks(s: dict, hosts: int) -> str:
    name = s["NGINX_SERVER_NAME"]
    body = api_locations(s, hosts) + docs_location(s)
    http = s["NGINX_LISTEN_HTTP"]
    https = s["NGINX_LISTEN_HTTPS"]
    blocks = []
    if http:
        if https and s["NGINX_HTTP_REDIRECT"] == "1":
            port = https.rpartition(":")[2]
            inner = f"\n    return 308 https://$host:{port}$request_uri;"
        else:
            inner = body
        blocks.append(f"server {{\n    listen {http};\n    server_name {name};{inner}\n}}")
    if https:
        blocks.append(f"""server {{
    listen {https} ssl;
    server_name {name};
    ssl_certificate {s['NGINX_TLS_CERT']};
    ssl_certificate_key {s['NGINX_TLS_KEY']};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:livegallery_tls:1m;
    add_header Strict-Transport-Security "max-age=31536000" always;{body}
}}""")
    if not blocks:
        raise ConfigError("neither NGINX_LISTEN_HTTP nor NGINX_LISTEN_HTTPS is set")
    return "\n\n".join(blocks)


def render(environ=os.environ) -> str:
    s = settings(environ)
    backends = upstreams(s["NGINX_UPSTREAMS"])
    temp = s["NGINX_TEMP_DIR"]
    return f"""# Written by deploy/nginx/render.py from NGINX_* settings; edit those, not this.
user {s['NGINX_USER']};
worker_processes auto;
pid {s['NGINX_PID']};
error_log {s['NGINX_ERROR_LOG']} warn;

events {{
    worker_connections 1024;
}}

http {{
    include {s['NGINX_MIME_TYPES']};
    default_type application/octet-stream;
    server_tokens off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;

    log_format livegallery '$remote_addr [$time_local] "$request" $status $body_bytes_sent '
                           '$request_time rid=$request_id upstream=$upstream_addr '
                           'upstream_status=$upstream_status';
    access_log {s['NGINX_ACCESS_LOG']} livegallery;

    # Bodies and slow clients: a request is at most a few hundred KiB of code.
    client_max_body_size {s['NGINX_MAX_BODY']};
    client_body_timeout 10s;
    client_header_timeout 10s;
    send_timeout 30s;
    keepalive_timeout 30s;

    {real_ip(s['NGINX_REAL_IP_FROM'])}

    # Per-client limits, keyed by the client's address, so one client flooding is
    # refused (429) while the others still get through.
    limit_req_zone $binary_remote_addr zone=livegallery_runs:10m rate={s['NGINX_RUN_RATE']};
    limit_req_zone $binary_remote_addr zone=livegallery_api:10m rate={s['NGINX_API_RATE']};
    limit_conn_zone $binary_remote_addr zone=livegallery_conns:10m;
    limit_req_status 429;
    limit_conn_status 429;

    # WebSocket upgrade when asked; otherwise an empty Connection keeps upstream
    # connections alive.
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        "" "";
    }}

{upstream_blocks(backends, s)}

{server_blocks(s, len(backends))}
}}
"""


def main(argv: list[str]) -> None:
    out = argv[1] if len(argv) > 1 else "/etc/nginx/nginx.conf"
    try:
        text = render()
    except ConfigError as exc:
        sys.exit(f"render.py: {exc}")
    if out == "-":
        sys.stdout.write(text)
    else:
        Path(out).write_text(text)


if __name__ == "__main__":
    main(sys.argv)
