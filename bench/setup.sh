#!/usr/bin/env bash
# Installs what `npm run bench` needs (Debian packages), only when missing.
set -euo pipefail

# command → Debian package
declare -A need=(
  [docker-registry]=docker-registry
  [nginx]=nginx
  [wrk]=wrk
  [hey]=hey
  [skopeo]=skopeo
  [curl]=curl
  [openssl]=openssl
  [unshare]=util-linux
  [tar]=tar
)
missing=()
for cmd in "${!need[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done
# nginx must have the WebDAV module (nginx PUT ceiling); Debian's nginx does.
if command -v nginx >/dev/null 2>&1 && ! nginx -V 2>&1 | grep -q http_dav_module; then
  missing+=(nginx)
fi

if ((${#missing[@]})); then
  echo "bench/setup.sh: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  # The packages' own services are not wanted: the bench starts its own.
  for svc in docker-registry nginx; do
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
      $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
    fi
  done
fi

# Berth itself: dependencies and the compiled output bin/berth.js may load.
cd "$(dirname "$0")/.."
# (again after a merge changed package-lock.json)
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci >&2
fi
if [ -f tsconfig.build.json ] && [ -d src ]; then npm run --silent build >&2 || echo "bench/setup.sh: warning: npm run build failed" >&2; fi
