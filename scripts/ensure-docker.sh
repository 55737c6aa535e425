#!/usr/bin/env bash
# Make sure a Docker engine answers. On Debian as root, install docker.io and start
# dockerd when nothing answers; elsewhere, say clearly what is missing.
set -euo pipefail

docker_answers() { docker info >/dev/null 2>&1; }

if docker_answers; then exit 0; fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "error: no Docker engine answers (docker info failed)." >&2
  echo "Install Docker and start it, or run as root on Debian so this script can." >&2
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "==> installing Debian's docker.io"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  echo "==> starting dockerd (log: /var/log/livegallery-dockerd.log)"
  # setsid: dockerd must outlive the make/CI process group that started it.
  setsid nohup dockerd >/var/log/livegallery-dockerd.log 2>&1 < /dev/null &
fi

for _ in $(seq 1 60); do
  if docker_answers; then echo "==> Docker engine is up"; exit 0; fi
  sleep 1
done
echo "error: dockerd did not answer within 60 s; see /var/log/livegallery-dockerd.log" >&2
exit 1
