#!/usr/bin/env bash
# Manifest GET by tag without auth, as the bench runs it (info logging to a file), under wrk -t2 -c64;
# prints req/s, p99 and the server's CPU time per request. URL_PATH=digest GETs by digest.
# Berth runs through its launcher; NODE_FLAGS="--cpu-prof --cpu-prof-dir=DIR" (NODE_OPTIONS) profiles it; PERF=FILE records `perf record -g` of it.
set -euo pipefail
. "$(dirname "$0")/common.sh"
start_berth
push_manifest
REF=v1
[ "${URL_PATH:-tag}" = digest ] && REF=$(manifest_digest)
wrk -t2 -c64 -d2s -H "$ACCEPT" "$B/v2/t/app/manifests/$REF" >/dev/null # warm-up
PERF_PID=
if [ -n "${PERF:-}" ]; then perf record -e cpu-clock -g -p $PID -o "$PERF" -- sleep "${SECONDS_:-10}" 2>/dev/null & PERF_PID=$!; fi
cpu0=$(cpu_us)
out=$(wrk -t2 -c64 -d"${SECONDS_:-10}"s --latency -H "$ACCEPT" "$B/v2/t/app/manifests/$REF")
cpu1=$(cpu_us)
echo "$out" | grep -E "Requests/sec|99%|Non-2xx|errors"
reqs=$(echo "$out" | awk '/requests in/{print $1}')
echo "server CPU per request: $(( (cpu1 - cpu0) / reqs )) µs"
grep VmHWM /proc/$PID/status
if [ -n "$PERF_PID" ]; then wait "$PERF_PID"; fi
kill -INT $PID; wait $PID 2>/dev/null || true
