#!/usr/bin/env bash
# Server CPU per manifest GET with PostgreSQL metadata (127.0.0.1:5432, user postgres, a throwaway
# database), auth off, wrk -t2 -c32 for 8 s. Run it for two checkouts alternately (ROOT=…) to compare.
set -euo pipefail
. "$(dirname "$0")/common.sh"
DB=berth_probe_$RANDOM
DATA=$(mktemp -d)
psql -h 127.0.0.1 -U postgres -d test -qc "CREATE DATABASE $DB" >/dev/null
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE $DB" >/dev/null; rm -rf "$DATA"; true' EXIT
BERTH_AUTH=off BERTH_DATABASE_DRIVER=postgres BERTH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB \
  "$ROOT/bin/berth.js" serve --port "$PORT" --data "$DATA" --log-level warn >"$DATA/log" 2>&1 &
PID=$!
wait_up
push_manifest
wrk -t1 -c16 -d3s -H "$ACCEPT" "$B/v2/t/app/manifests/v1" >/dev/null # warm-up
T0=$(cpu_us)
OUT=$(wrk -t2 -c32 -d8s -H "$ACCEPT" "$B/v2/t/app/manifests/v1")
T1=$(cpu_us)
N=$(echo "$OUT" | awk '/requests in/ {print $1}')
echo "$ROOT: $(echo "$OUT" | grep Requests/sec | tr -s ' ') — server CPU $(( (T1 - T0) / N )) µs per request"
