#!/usr/bin/env bash
# Print the base image to build on (for images/build.sh and deploy/build.sh alike):
# LIVEGALLERY_BASE if set, else a local or pullable python:3.12-slim, else the offline
# base built from Debian's packages on machines that reach no registry.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
registry_base=python:3.12-slim
offline_base=livegallery-base:bookworm

if [ -n "${LIVEGALLERY_BASE:-}" ]; then echo "$LIVEGALLERY_BASE"; exit 0; fi
if docker image inspect "$registry_base" >/dev/null 2>&1 \
   || timeout 60 docker pull -q "$registry_base" >/dev/null 2>&1; then
  echo "$registry_base"; exit 0
fi
echo "==> no registry reachable: using the offline base $offline_base" >&2
"$here/make-offline-base.sh" "$offline_base" >&2
echo "$offline_base"
