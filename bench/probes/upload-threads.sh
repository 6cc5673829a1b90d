#!/usr/bin/env bash
# CPU time and run-queue wait of each Berth thread (/proc/PID/task/*/schedstat) during one 1 GiB monolithic upload.
# The main thread is marked; the 4 threads created right after it are V8's platform workers (GC helpers), the next
# group libuv's pool (UV_THREADPOOL_SIZE changes its size). ROOT=DIR runs another build.
set -euo pipefail
. "$(dirname "$0")/common.sh"
DATA=$(mktemp -d)
NODE_ENV=production BERTH_AUTH=off "$ROOT/bin/berth.js" serve --port "$PORT" --data "$DATA" >"$DATA/log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
wait_up
F=$DATA/big.bin
head -c 1073741824 /dev/urandom >"$F"
D=sha256:$(sha256sum "$F" | cut -d' ' -f1)
sync
snap() { for t in /proc/$PID/task/*; do echo "$(basename "$t") $(cat "$t/schedstat")"; done | sort; }
snap >"$DATA/before"
L=$(curl -sf -X POST -D - -o /dev/null "$B/v2/t/big/blobs/uploads/" | tr -d '\r' | awk -F': ' 'tolower($1)=="location"{print $2}')
t0=$(date +%s.%N)
curl -sf -o /dev/null -H 'Expect:' -H 'Content-Type: application/octet-stream' -T "$F" "$B$L?digest=$D"
t1=$(date +%s.%N)
snap >"$DATA/after"
echo "upload $(echo "1073.741824 / ($t1 - $t0)" | bc -l | cut -d. -f1) MB/s"
join "$DATA/before" "$DATA/after" | awk -v pid="$PID" '{cpu = ($5 - $2) / 1e6; wait = ($6 - $3) / 1e6;
  if (cpu + wait > 5) printf "%-8s %-5s cpu %6.0f ms  waiting %6.0f ms\n", $1, ($1 == pid ? "main" : ""), cpu, wait}'
