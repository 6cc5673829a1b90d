#!/usr/bin/env bash
# Monolithic 256 MiB uploads to Berth on S3 (the S3 server of S3_ENDPOINT…, e.g. `set -a; . DIR/s3.env; set +a`
# after scripts/s3-up.sh DIR), two checkouts alternating: MB/s, the server's CPU per GiB (all threads) and its
# main thread's (the event loop) CPU per GiB, which the machine's other load moves little.
#   ROOTS="/a /b" bash bench/probes/s3-upload-ab.sh [pairs] [MiB]
# RAW=1 measures the raw S3 server (AWS SDK, bench/probes/s3-raw-put.ts) before each pair and after the last.
# NODE_FLAGS="--cpu-prof --cpu-prof-dir=DIR" profiles each server.
# DOWNLOAD=1 also times a curl GET of each uploaded blob (MB/s, CPU per GiB).
set -euo pipefail
. "$(dirname "$0")/common.sh" # launcher_flags: each checkout runs with its own launcher's flags
HERE=$(cd "$(dirname "$0")/../.." && pwd)
ROOTS=${ROOTS:-$HERE}
PAIRS=${1:-3}
MIB=${2:-256}
W=$(mktemp -d)
echo "work dir: $W (KEEP=1 keeps it)" >&2
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; [ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT
head -c $((MIB * 1048576)) /dev/urandom >"$W/blob"
declare -A URL PID
i=0
for root in $ROOTS; do
  port=$((20000 + RANDOM % 20000))
  NODE_ENV=production BERTH_AUTH=off BERTH_STORAGE_DRIVER=s3 BERTH_S3_ENDPOINT="$S3_ENDPOINT" BERTH_S3_ACCESS_KEY="$S3_ACCESS_KEY" \
    BERTH_S3_SECRET_KEY="$S3_SECRET_KEY" BERTH_S3_BUCKET="$S3_BUCKET" BERTH_S3_PREFIX="ab-$$-$i/" \
    node ${NODE_FLAGS:-} $(launcher_flags "$root") "$root/dist/bundle/main.js" serve --host 127.0.0.1 --port $port --data "$W/d$i" >"$W/log$i" 2>&1 &
  PID[$i]=$!; PIDS+=($!); URL[$i]=http://127.0.0.1:$port
  for _ in $(seq 1 600); do curl -s -o /dev/null "${URL[$i]}/v2/" && break; sleep 0.1; done
  i=$((i + 1))
done
ticks() { awk '{print $14 + $15}' "$1"; }
raw() { [ -z "${RAW:-}" ] || node --import tsx "$HERE/bench/probes/s3-raw-put.ts" "$W/blob"; }
for pair in $(seq 1 "$PAIRS"); do
  raw
  for j in $(seq 0 $((i - 1))); do
    B=${URL[$j]}; P=${PID[$j]}
    head -c 32 /dev/urandom | dd of="$W/blob" bs=32 count=1 conv=notrunc 2>/dev/null
    d=sha256:$(sha256sum "$W/blob" | cut -d' ' -f1)
    l=$(curl -sf -X POST -D - -o /dev/null "$B/v2/t/big/blobs/uploads/" | tr -d '\r' | awk -F': ' 'tolower($1)=="location"{print $2}')
    a0=$(ticks /proc/$P/stat); m0=$(ticks /proc/$P/task/$P/stat); t0=$(date +%s.%N)
    curl -sf -o /dev/null -H 'Expect:' -H 'Content-Type: application/octet-stream' -T "$W/blob" "$B$l?digest=$d"
    t1=$(date +%s.%N); a1=$(ticks /proc/$P/stat); m1=$(ticks /proc/$P/task/$P/stat)
    gib=$(echo "$MIB / 1024" | bc -l)
    printf '%s: %5.1f MB/s, CPU %5.2f s/GiB (main thread %5.2f)\n' "$(echo $ROOTS | cut -d' ' -f$((j + 1)))" \
      "$(echo "$MIB * 1.048576 / ($t1 - $t0)" | bc -l)" "$(echo "($a1 - $a0) / 100 / $gib" | bc -l)" "$(echo "($m1 - $m0) / 100 / $gib" | bc -l)"
    if [ -n "${DOWNLOAD:-}" ]; then
      a0=$(ticks /proc/$P/stat); t0=$(date +%s.%N)
      curl -sf -o /dev/null "$B/v2/t/big/blobs/$d"
      t1=$(date +%s.%N); a1=$(ticks /proc/$P/stat)
      printf '%s: download %5.1f MB/s, CPU %5.2f s/GiB\n' "$(echo $ROOTS | cut -d' ' -f$((j + 1)))" \
        "$(echo "$MIB * 1.048576 / ($t1 - $t0)" | bc -l)" "$(echo "($a1 - $a0) / 100 / $gib" | bc -l)"
    fi
  done
done
raw
