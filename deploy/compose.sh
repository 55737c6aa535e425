#!/usr/bin/env bash
# Run docker compose on the stack: Compose v2 (`docker compose`) where installed, else
# Debian's docker-compose 1.29, installed from apt when missing (as root).
#   deploy/compose.sh ARGS...   (e.g. ps, logs backend)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  if ! command -v docker-compose >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
      echo "error: neither 'docker compose' nor docker-compose is installed" >&2; exit 1
    fi
    echo "==> installing Debian's docker-compose" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
  fi
  compose=(docker-compose)
fi
# LIVEGALLERY_ENV_FILE: another settings file than deploy/.env (the tests use one).
export LIVEGALLERY_ENV_FILE=${LIVEGALLERY_ENV_FILE:-$here/.env}
exec "${compose[@]}" --project-name "${COMPOSE_PROJECT_NAME:-livegallery}" \
  --project-directory "$here" --env-file "$LIVEGALLERY_ENV_FILE" -f "$here/docker-compose.yml" "$@"
