#!/usr/bin/env bash
# Full garbage collections while Berth (filesystem, authentication off) takes monolithic uploads, for two sets of
# Node flags, a fresh server per set and run (alternating): each upload's seconds, then the server's Mark-Compact
# count (--trace-gc), CPU seconds and peak RSS (VmHWM). A set's flags replace the launcher's. Each server idles
# IDLE seconds (default 5) before the uploads, as a deployed one does: V8 shrinks an idle heap's limits.
#   bash bench/probes/upload-gc.sh [runs] [uploads per run] [MiB]
#   FLAGS_A="--max-semi-space-size=4 --v8-pool-size=1" \
#   FLAGS_B="--max-semi-space-size=4 --initial-old-space-size=64 --v8-pool-size=1" bash bench/probes/upload-gc.sh 2
set -euo pipefail
. "$(dirname "$0")/common.sh" # launcher_flags
HERE=$(cd "$(dirname "$0")/../.." && pwd)
RUNS=${1:-2}
UPLOADS=${2:-3}
MIB=${3:-1024}
FLAGS_A=${FLAGS_A:---max-semi-space-size=4 --v8-pool-size=1}
FLAGS_B=${FLAGS_B:-$(launcher_flags "$HERE")}
W=$(mktemp -d)
PID=
trap '[ -z "$PID" ] || kill "$PID" 2>/dev/null || true; rm -rf "$W"' EXIT
head -c $((MIB * 1048576)) /dev/urandom >"$W/blob"
DIGEST=sha256:$(sha256sum "$W/blob" | cut -d' ' -f1)

one() { # flags
  local port=$((20000 + RANDOM % 20000)) url data="$W/data"
  rm -rf "$data"
  # shellcheck disable=SC2086 # the flags are words
  NODE_ENV=production BERTH_AUTH=off node --trace-gc $1 "$HERE/dist/bundle/main.js" serve --host 127.0.0.1 \
    --port $port --data "$data" >"$W/gc.log" 2>&1 &
  PID=$!
  url=http://127.0.0.1:$port
  for _ in $(seq 1 600); do curl -s -o /dev/null "$url/v2/" && break; sleep 0.1; done
  sleep "${IDLE:-5}"
  local before times=""
  before=$(grep -c Mark-Compact "$W/gc.log" || true)
  for _ in $(seq 1 "$UPLOADS"); do
    local location
    location=$(curl -s -D - -o /dev/null -X POST "$url/v2/probe/gc/blobs/uploads/" | tr -d '\r' | awk 'tolower($1) == "location:" {print $2}')
    times+="$(curl -s -o /dev/null -w '%{time_total}' -H 'Content-Type: application/octet-stream' -T "$W/blob" "$url$location?digest=$DIGEST")s "
    rm -rf "$data/storage/blobs" # the next upload stores the blob again
  done
  local full cpu hwm
  full=$(($(grep -c Mark-Compact "$W/gc.log" || true) - before))
  cpu=$(awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$PID/stat")
  hwm=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$PID/status")
  kill "$PID"
  wait "$PID" 2>/dev/null || true
  PID=
  echo "  [$1] uploads: $times; full GCs during them: $full; server CPU ${cpu} s; peak RSS ${hwm} MiB"
}

for run in $(seq 1 "$RUNS"); do
  echo "run $run ($UPLOADS × $MIB MiB):"
  one "$FLAGS_A"
  one "$FLAGS_B"
done
