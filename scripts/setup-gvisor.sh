#!/usr/bin/env bash
# Install gVisor (Debian's runsc) and register it with dockerd as the runtime "runsc",
# so LIVEGALLERY_RUNTIME=runsc runs sandboxes under it.
#   - ptrace platform: the KVM platform hangs in VMs without nested virtualisation.
#   - --network=none: the sandboxes have no network, and runsc refuses
#     `--network none` containers in the root network namespace without it.
# dockerd reloads its runtimes on SIGHUP: no restart, running containers are untouched.
set -euo pipefail
config=${DOCKERD_CONFIG:-/etc/docker/daemon.json}
name=${GVISOR_RUNTIME:-runsc}

registered() { docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q "\"$name\""; }

if ! command -v runsc >/dev/null 2>&1; then
  "$(dirname "$0")/ensure-packages.sh" runsc
fi
runsc_path=$(command -v runsc)

if registered; then echo "==> gVisor is registered with dockerd as '$name'"; exit 0; fi
[ "$(id -u)" = 0 ] || { echo "error: run as root to edit $config and reload dockerd" >&2; exit 1; }

mkdir -p "$(dirname "$config")"
python3 - "$config" "$name" "$runsc_path" <<'PY'
import json, os, sys
path, name, runsc = sys.argv[1:]
config = json.load(open(path)) if os.path.exists(path) and os.path.getsize(path) else {}
config.setdefault("runtimes", {})[name] = {
    "path": runsc, "runtimeArgs": ["--platform=ptrace", "--network=none"]}
tmp = path + ".livegallery.tmp"
with open(tmp, "w") as f:
    json.dump(config, f, indent=2)
    f.write("\n")
os.replace(tmp, path)
PY
echo "==> registered '$name' in $config; reloading dockerd (SIGHUP)"
pid=$(pgrep -xo dockerd) || { echo "error: dockerd is not running" >&2; exit 1; }
kill -HUP "$pid"
for _ in $(seq 1 20); do
  if registered; then echo "==> gVisor is registered with dockerd as '$name'"; exit 0; fi
  sleep 0.5
done
echo "error: dockerd did not pick up the runtime; see its log" >&2
exit 1
