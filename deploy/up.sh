#!/usr/bin/env bash
# `make deploy`: the production stack up on this host, in one command.
# Starts Docker if need be, writes deploy/.env from the example the first time, makes a
# self-signed certificate when none is given, builds the images (a no-op when current),
# starts the stack and waits until a run works through nginx.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cd "$here"

"$root/scripts/ensure-docker.sh"
env_file=${LIVEGALLERY_ENV_FILE:-$here/.env}
if [ ! -f "$env_file" ]; then
  cp .env.example "$env_file"
  echo "==> wrote $env_file from deploy/.env.example (edit it to configure the stack)"
fi
set -a; . "$env_file"; set +a
export LIVEGALLERY_ENV_FILE=$env_file

tls_dir=${TLS_DIR:-./certs}
if [ ! -s "$tls_dir/cert.pem" ] || [ ! -s "$tls_dir/key.pem" ]; then
  echo "==> no certificate in $tls_dir: generating a self-signed one for ${NGINX_SERVER_NAME:-localhost}"
  mkdir -p "$tls_dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=${NGINX_SERVER_NAME:-localhost}" \
    -addext "subjectAltName=DNS:${NGINX_SERVER_NAME:-localhost},DNS:localhost,IP:127.0.0.1" \
    -keyout "$tls_dir/key.pem" -out "$tls_dir/cert.pem" 2>/dev/null
  chmod 644 "$tls_dir/key.pem"  # read by nginx's master inside its container only
fi

SANDBOX_IMAGE=${LIVEGALLERY_IMAGE:-livegallery-sandbox:latest} "$here/build.sh"

# The backend reaches the engine through its socket as a member of the socket's group.
socket=${DOCKER_SOCKET:-/var/run/docker.sock}
export DOCKER_GID=${DOCKER_GID:-$(stat -c %g "$socket")}
"$here/compose.sh" up -d --remove-orphans

port=${HTTP_PORT:-8080}
echo "==> waiting for a run through nginx on http://127.0.0.1:$port/"
for _ in $(seq 1 90); do
  if python3 - "$port" <<'PY' 2>/dev/null
import json, sys, urllib.request
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/api/v1/run",
                             data=b'{"code": "print(6 * 7)"}',
                             headers={"Content-Type": "application/json"})
body = json.load(urllib.request.urlopen(req, timeout=30))
sys.exit(0 if body["ok"] and body["cells"][0]["stdout"] == "42\n" else 1)
PY
  then
    echo "==> livegallery is up: http://127.0.0.1:$port/ and https://127.0.0.1:${HTTPS_PORT:-8443}/"
    echo "    metrics: http://${METRICS_BIND:-127.0.0.1}:${METRICS_PORT:-9765}/metrics; stop: make deploy-down"
    exit 0
  fi
  sleep 2
done
echo "error: no run succeeded through nginx within 3 minutes; logs:" >&2
"$here/compose.sh" logs --tail 40 >&2
exit 1
