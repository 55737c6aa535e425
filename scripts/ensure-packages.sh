#!/usr/bin/env bash
# Install Debian packages when missing (as root with apt); elsewhere say what is needed.
#   scripts/ensure-packages.sh PACKAGE...
set -euo pipefail
missing=()
for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} = 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "error: please install ${missing[*]} (Debian packages)" >&2; exit 1
fi
echo "==> installing ${missing[*]}"
apt-get update -qq
# No service is started on install: the stack and the tests start nginx themselves.
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
