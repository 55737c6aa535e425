#!/usr/bin/env bash
# Build the sandbox image; a no-op when the image already carries this recipe's hash.
#
#   images/build.sh [--requirements FILE | --from-env PYTHON] [--fetch-data] [TAG]
#
#   TAG                   default livegallery-sandbox:latest
#   --requirements FILE   install the docs project's own pinned requirements instead of the
#                         default images/sandbox/requirements.txt (scikit-image's gallery)
#   --from-env PYTHON     pin the versions installed in the docs' build environment (that
#                         interpreter) for the packages the default file names, plus any
#                         named in --requirements (images/freeze-env.py)
#   --fetch-data          fetch the datasets scikit-image downloads at run time into the
#                         image (read-only in the sandbox); skipped, with a note, when the
#                         build cannot reach the data host
#
# LIVEGALLERY_BASE picks the base image. Unset, a local or pullable python:3.12-slim is
# used, and on a machine that reaches no registry an offline base built from Debian's
# packages (images/make-offline-base.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
requirements=$here/sandbox/requirements.txt
from_env=""
fetch_data=0
tag=""

usage() { sed -n '4,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --requirements) [ $# -ge 2 ] || usage; requirements=$2; shift 2 ;;
    --from-env) [ $# -ge 2 ] || usage; from_env=$2; shift 2 ;;
    --fetch-data) fetch_data=1; shift ;;
    -h|--help) usage ;;
    -*) echo "error: unknown option $1" >&2; usage ;;
    *) [ -z "$tag" ] || usage; tag=$1; shift ;;
  esac
done
tag=${tag:-livegallery-sandbox:latest}
[ -f "$requirements" ] || { echo "error: no requirements file at $requirements" >&2; exit 2; }

context=$(mktemp -d /tmp/livegallery-image.XXXXXX)
trap 'rm -rf "$context"' EXIT
if [ -n "$from_env" ]; then
  python3 "$here/freeze-env.py" "$from_env" "$requirements" > "$context/requirements.txt"
  echo "==> versions of $from_env:"; grep -v '^#' "$context/requirements.txt" | sed 's/^/    /'
else
  cp "$requirements" "$context/requirements.txt"
fi


base=$("$here/pick-base.sh")
base_id=$(docker image inspect --format '{{.Id}}' "$base")
recipe=$( (cd "$here/sandbox" && cat Dockerfile harness.py forkserver.py livegallery_display.py versions.py; \
           cat "$context/requirements.txt"; echo "$base_id fetch-data=$fetch_data") \
          | sha256sum | cut -c1-16)

current=$(docker image inspect --format '{{ index .Config.Labels "org.livegallery.recipe" }}' \
          "$tag" 2>/dev/null || true)
if [ "$current" = "$recipe" ]; then
  echo "==> $tag is up to date (recipe $recipe)"; exit 0
fi

cp "$here/sandbox/"{Dockerfile,harness.py,forkserver.py,livegallery_display.py,versions.py} "$context/"
# The host's CA bundle lets pip work behind a TLS-intercepting proxy; the Dockerfile uses
# it in its build stage only.
ca=${LIVEGALLERY_BUILD_CA:-/etc/ssl/certs/ca-certificates.crt}
if [ -s "$ca" ]; then cp "$ca" "$context/build-ca.crt"; else : > "$context/build-ca.crt"; fi

echo "==> building $tag from $base (recipe $recipe; a few minutes the first time)"
DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE=$base" --build-arg "FETCH_DATA=$fetch_data" \
  --label "org.livegallery.recipe=$recipe" -t "$tag" "$context" >/dev/null
echo "==> built $tag"
if [ "$fetch_data" = 1 ]; then
  # Say plainly whether the datasets made it in: a build without them still works.
  docker run --rm --network none --entrypoint cat "$tag" /opt/livegallery/data/data-status.txt \
    | sed 's/^/==> data: /'
fi
