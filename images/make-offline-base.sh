#!/usr/bin/env bash
# Build a Python base image from Debian's own packages, for machines that reach no
# container registry: debootstrap a minimal bookworm with python3 and `docker import` it.
# Usage: images/make-offline-base.sh [TAG]   (default livegallery-base:bookworm)
set -euo pipefail
tag=${1:-livegallery-base:bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "==> offline base $tag already present"; exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "error: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

root=$(mktemp -d /tmp/livegallery-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "==> debootstrap bookworm into $root (a few minutes)"
debootstrap --variant=minbase --include=python3,python3-venv bookworm "$root" "$mirror" >/dev/null
# Trim what a sandbox never needs: package lists, caches, docs.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/usr/share/doc/* \
       "$root"/usr/share/man/* "$root"/usr/share/locale/*
tar -C "$root" -c . | docker import \
  --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' - "$tag" >/dev/null
echo "==> imported $tag"
