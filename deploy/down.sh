#!/usr/bin/env bash
# `make deploy-down`: stop the stack and leave no container behind. The backend removes
# its sandboxes when it stops; any it could not (killed, engine hiccup) are removed here,
# found by the owner label that names this stack's backend container.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export LIVEGALLERY_ENV_FILE=${LIVEGALLERY_ENV_FILE:-$here/.env}
[ -f "$LIVEGALLERY_ENV_FILE" ] || cp "$here/.env.example" "$LIVEGALLERY_ENV_FILE"

owners=$("$here/compose.sh" ps -q backend 2>/dev/null | while read -r id; do
  docker inspect --format '{{.Config.Hostname}}' "$id"; done || true)
"$here/compose.sh" down --remove-orphans --timeout 40
for host in $owners; do
  left=$(docker ps -a --filter label=livegallery \
         --format '{{.ID}} {{.Label "livegallery.owner"}}' | awk -v h="$host/" 'index($2, h) == 1 {print $1}')
  if [ -n "$left" ]; then
    echo "==> removing sandboxes left by backend $host"
    docker rm -f $left >/dev/null
  fi
done
echo "==> livegallery stack is down"
