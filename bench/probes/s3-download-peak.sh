#!/usr/bin/env bash
# Peak memory of Berth on S3 when downloads follow uploads, as in the bench's phases: per checkout (alternating,
# a fresh server each), a 256 MiB monolithic upload, 5 s without traffic, three downloads of the blob; prints the
# peak RSS (VmHWM) after the upload and after the downloads, and Node's external memory (/metrics) at each point.
# S3_ENDPOINT… from scripts/s3-up.sh's s3.env.
#   ROOTS="/base /work/main" bash bench/probes/s3-download-peak.sh [runs]
set -euo pipefail
. "$(dirname "$0")/common.sh" # launcher_flags
HERE=$(cd "$(dirname "$0")/../.." && pwd)
ROOTS=${ROOTS:-$HERE}
RUNS=${1:-3}
W=$(mktemp -d)
PID=
trap '[ -z "$PID" ] || kill "$PID" 2>/dev/null || true; rm -rf "$W"' EXIT
mib() { awk -v k="$2" '$1 == k {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

one() { # root
  local port=$((20000 + RANDOM % 20000)) url blob="$W/blob" digest location external
  url=http://127.0.0.1:$port
  head -c $((256 * 1048576)) /dev/urandom >"$blob" # a new blob each time: an upload of a stored one stores nothing
  digest=sha256:$(sha256sum "$blob" | cut -d' ' -f1)
  rm -rf "$W/data"
  # shellcheck disable=SC2046 # the flags are words
  NODE_ENV=production BERTH_AUTH=off BERTH_STORAGE_DRIVER=s3 BERTH_S3_ENDPOINT="$S3_ENDPOINT" \
    BERTH_S3_ACCESS_KEY="$S3_ACCESS_KEY" BERTH_S3_SECRET_KEY="$S3_SECRET_KEY" BERTH_S3_BUCKET="$S3_BUCKET" \
    BERTH_S3_PREFIX="peak-$$-$RANDOM/" node $(launcher_flags "$1") "$1/dist/bundle/main.js" serve \
    --host 127.0.0.1 --port $port --data "$W/data" >"$W/log" 2>&1 &
  PID=$!
  for _ in $(seq 1 600); do curl -s -o /dev/null "$url/v2/" && break; sleep 0.1; done
  external() { curl -s "$url/metrics" | awk '/^berth_nodejs_external_memory_bytes/ {printf "%.0f", $2 / 1048576}'; }
  location=$(curl -s -D - -o /dev/null -X POST "$url/v2/probe/peak/blobs/uploads/" | tr -d '\r' | awk 'tolower($1) == "location:" {print $2}')
  curl -s -o /dev/null -H 'Content-Type: application/octet-stream' -T "$blob" "$url$location?digest=$digest"
  echo -n "  $1: after the upload peak $(mib $PID VmHWM:) MiB, external $(external) MiB; "
  sleep 5
  for _ in 1 2 3; do curl -s -o /dev/null "$url/v2/probe/peak/blobs/$digest"; done
  echo "after the downloads peak $(mib $PID VmHWM:) MiB, external $(external) MiB"
  kill "$PID"
  wait "$PID" 2>/dev/null || true
  PID=
}

for run in $(seq 1 "$RUNS"); do
  echo "run $run:"
  for root in $ROOTS; do one "$root"; done
done
