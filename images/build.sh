#!/usr/bin/env bash
# Build the sandbox image; a no-op when the image already carries this recipe's hash.
#   images/build.sh [TAG]          (default livegallery-sandbox:latest)
# LIVEGALLERY_BASE picks the base image. Unset, a local or pullable python:3.12-slim is
# used, and on a machine that reaches no registry an offline base built from Debian's
# packages (images/make-offline-base.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tag=${1:-livegallery-sandbox:latest}
registry_base=python:3.12-slim
offline_base=livegallery-base:bookworm

pick_base() {
  if [ -n "${LIVEGALLERY_BASE:-}" ]; then echo "$LIVEGALLERY_BASE"; return; fi
  if docker image inspect "$registry_base" >/dev/null 2>&1 \
     || timeout 60 docker pull -q "$registry_base" >/dev/null 2>&1; then
    echo "$registry_base"; return
  fi
  echo "==> no registry reachable: using the offline base $offline_base" >&2
  "$here/make-offline-base.sh" "$offline_base" >&2
  echo "$offline_base"
}

base=$(pick_base)
base_id=$(docker image inspect --format '{{.Id}}' "$base")
recipe=$( (cd "$here/sandbox" && cat Dockerfile harness.py forkserver.py livegallery_display.py requirements.txt; echo "$base_id") \
          | sha256sum | cut -c1-16)

current=$(docker image inspect --format '{{ index .Config.Labels "org.livegallery.recipe" }}' \
          "$tag" 2>/dev/null || true)
if [ "$current" = "$recipe" ]; then
  echo "==> $tag is up to date (recipe $recipe)"; exit 0
fi

context=$(mktemp -d /tmp/livegallery-image.XXXXXX)
trap 'rm -rf "$context"' EXIT
cp "$here/sandbox/"{Dockerfile,harness.py,forkserver.py,livegallery_display.py,requirements.txt} "$context/"
# The host's CA bundle lets pip work behind a TLS-intercepting proxy; the Dockerfile uses
# it in its build stage only.
ca=${LIVEGALLERY_BUILD_CA:-/etc/ssl/certs/ca-certificates.crt}
if [ -s "$ca" ]; then cp "$ca" "$context/build-ca.crt"; else : > "$context/build-ca.crt"; fi

echo "==> building $tag from $base (recipe $recipe; a few minutes the first time)"
DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE=$base" \
  --label "org.livegallery.recipe=$recipe" -t "$tag" "$context" >/dev/null
echo "==> built $tag"
