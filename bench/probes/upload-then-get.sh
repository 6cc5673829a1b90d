#!/usr/bin/env bash
# One server, as the bench starts it: two 1 GiB monolithic uploads (curl -T), then manifest GET by digest under
# wrk -t2 -c64 10 s; prints each upload's MB/s, req/s, p99 and the server's peak RSS. ROOT=DIR runs another build
# (e.g. a copy whose bin/berth.js has other Node flags on its first line).
set -euo pipefail
. "$(dirname "$0")/common.sh"
start_berth
F=$DATA/big.bin
head -c 1073741824 /dev/urandom >"$F"
push_manifest
REF=$(manifest_digest)
speeds=""
for _ in 1 2; do speeds="$speeds $(upload_big "$F")"; done
w=$(wrk -t2 -c64 -d10s --latency -H "$ACCEPT" "$B/v2/t/app/manifests/$REF")
echo "uploads MB/s:$speeds | GET $(echo "$w" | awk '/Requests\/sec/{print int($2)}') req/s, p99 $(echo "$w" | awk '/ 99%/{print $2}') | $(grep VmHWM /proc/$PID/status | tr -s ' \t' ' ')"
