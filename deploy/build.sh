#!/usr/bin/env bash
# Build the three images of the stack, each a no-op when its recipe did not change:
# the sandbox (images/build.sh), the backend and nginx (this directory).
#   deploy/build.sh   (tags from SANDBOX_IMAGE, BACKEND_IMAGE, NGINX_IMAGE)
# The base is picked as images/build.sh does: LIVEGALLERY_BASE, else a local or pullable
# python:3.12-slim, else the offline base built from Debian's packages.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
sandbox=${SANDBOX_IMAGE:-livegallery-sandbox:latest}
backend=${BACKEND_IMAGE:-livegallery-backend:latest}
nginx=${NGINX_IMAGE:-livegallery-nginx:latest}


# build TAG CONTEXT_FILES...: a temporary context, rebuilt only when its hash changed.
build() {
  local tag=$1 context=$2 recipe current
  recipe=$( (cd "$context" && find . -type f | LC_ALL=C sort | xargs cat; echo "$base_id") \
            | sha256sum | cut -c1-16)
  current=$(docker image inspect --format '{{ index .Config.Labels "org.livegallery.recipe" }}' \
            "$tag" 2>/dev/null || true)
  if [ "$current" = "$recipe" ]; then echo "==> $tag is up to date (recipe $recipe)"; return; fi
  echo "==> building $tag from $base (recipe $recipe)"
  DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE=$base" \
    --label "org.livegallery.recipe=$recipe" -t "$tag" "$context" >/dev/null
  echo "==> built $tag"
}

"$root/images/build.sh" "$sandbox"
base=$("$root/images/pick-base.sh")
base_id=$(docker image inspect --format '{{.Id}}' "$base")
work=$(mktemp -d /tmp/livegallery-deploy.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The backend: its package and the backend extra of pyproject.toml, nothing more.
mkdir -p "$work/backend"
cp "$here/backend/Dockerfile" "$work/backend/"
cp -r "$root/backend" "$work/backend/backend"
find "$work/backend/backend" -name __pycache__ -prune -exec rm -rf {} +
python3 - "$root/pyproject.toml" > "$work/backend/requirements.txt" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    print("\n".join(tomllib.load(f)["project"]["optional-dependencies"]["backend"]))
PY
ca=${LIVEGALLERY_BUILD_CA:-/etc/ssl/certs/ca-certificates.crt}
if [ -s "$ca" ]; then cp "$ca" "$work/backend/build-ca.crt"; else : > "$work/backend/build-ca.crt"; fi
build "$backend" "$work/backend"

mkdir -p "$work/nginx"
cp "$here/nginx/"{Dockerfile,render.py,entrypoint.sh} "$work/nginx/"
build "$nginx" "$work/nginx"
