#!/usr/bin/env bash
# Manifest GET with auth on and a Bearer token, under wrk -t2 -c64; prints req/s, p99 and peak RSS.
# NODE_FLAGS="--cpu-prof --cpu-prof-dir=DIR" profiles Berth (read with bench/profile.ts).
set -euo pipefail
. "$(dirname "$0")/common.sh"
DATA=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
BERTH_ADMIN_PASSWORD=Probe-pass-1 NODE_OPTIONS="${NODE_FLAGS:-}" "$ROOT/bin/berth.js" serve --port "$PORT" --data "$DATA" --log-level warn >"$DATA/log" 2>&1 &
PID=$!
wait_up
U=admin:Probe-pass-1
curl -sf -o /dev/null -u $U -X POST "$B/api/v2.0/projects" -H 'Content-Type: application/json' -d '{"project_name":"t","public":false}'
push_manifest -u $U
TOKEN=$(curl -sf -u $U "$B/service/token?service=berth&scope=repository:t/app:pull" | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s).token))")
wrk -t2 -c64 -d"${SECONDS_:-10}"s --latency -H "Authorization: Bearer $TOKEN" -H "$ACCEPT" "$B/v2/t/app/manifests/v1" | grep -E "Requests/sec|99%|Non-2xx"
grep VmHWM /proc/$PID/status
kill -INT $PID; wait $PID 2>/dev/null || true
