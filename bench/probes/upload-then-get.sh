#!/usr/bin/env bash
# One server, as the bench starts it: two 1 GiB monolithic uploads (curl -T), then manifest GET by digest under
# wrk -t2 -c64 10 s; prints each upload's MB/s, req/s, p99 and the server's peak RSS. ROOT=DIR runs another build
# (e.g. a copy whose bin/berth.js has other Node flags on its first line).
set -euo pipefail
. "$(dirname "$0")/common.sh"
DATA=$(mktemp -d)
NODE_ENV=production BERTH_AUTH=off "$ROOT/bin/berth.js" serve --port "$PORT" --data "$DATA" >"$DATA/log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
wait_up
F=$DATA/big.bin
head -c 1073741824 /dev/urandom >"$F"
push_manifest
REF=$(curl -sf -o /dev/null -D - -H "$ACCEPT" "$B/v2/t/app/manifests/v1" | tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}')
speeds=""
for _ in 1 2; do
  head -c 32 /dev/urandom | dd of="$F" bs=32 count=1 conv=notrunc 2>/dev/null
  D=sha256:$(sha256sum "$F" | cut -d' ' -f1)
  sync
  L=$(curl -sf -X POST -D - -o /dev/null "$B/v2/t/big/blobs/uploads/" | tr -d '\r' | awk -F': ' 'tolower($1)=="location"{print $2}')
  t0=$(date +%s.%N)
  curl -sf -o /dev/null -H 'Expect:' -H 'Content-Type: application/octet-stream' -T "$F" "$B$L?digest=$D"
  t1=$(date +%s.%N)
  speeds="$speeds $(echo "1073.741824 / ($t1 - $t0)" | bc -l | cut -d. -f1)"
done
w=$(wrk -t2 -c64 -d10s --latency -H "$ACCEPT" "$B/v2/t/app/manifests/$REF")
echo "uploads MB/s:$speeds | GET $(echo "$w" | awk '/Requests\/sec/{print int($2)}') req/s, p99 $(echo "$w" | awk '/ 99%/{print $2}') | $(grep VmHWM /proc/$PID/status | tr -s ' \t' ' ')"
