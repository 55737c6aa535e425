#!/usr/bin/env bash
# The browser tests drive Debian's Chromium through Python playwright (no browser
# download). Install it when missing (root on Debian), or say what is missing.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "error: /usr/bin/chromium is missing; install Chromium (Debian: apt-get install chromium)" >&2
  exit 1
fi
echo "==> installing Debian's chromium"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
