#!/usr/bin/env bash
# Start-up cost in CPU time (user + system of the server process from spawn to
# the first 200 on /v2/) and idle RSS 10 s later: figures a loaded machine moves
# far less than wall time (bench/FINDINGS.md, "Session 6").
#   bash bench/probes/startup-cpu.sh [runs]    ENTRY=dist/cli/main.js compares the unbundled build
set -euo pipefail
. "$(dirname "$0")/common.sh"
ENTRY=${ENTRY:-$ROOT/dist/bundle/main.js}
TCK=$(getconf CLK_TCK)
for run in $(seq 1 "${1:-3}"); do
  data=$(mktemp -d /tmp/berth-startup.XXXXXX)
  t0=$(date +%s%N)
  BERTH_AUTH=off node --max-semi-space-size=4 --v8-pool-size=1 "$ENTRY" serve --host 127.0.0.1 --port "$PORT" --data "$data" >/dev/null 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "$B/v2/"; do sleep 0.003; done
  t1=$(date +%s%N)
  read -r u s < <(awk '{print $14, $15}' "/proc/$pid/stat")
  sleep 10
  rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
  echo "run $run: $(((u + s) * 1000 / TCK)) cpu-ms, $(((t1 - t0) / 1000000)) ms wall, idle RSS $((rss / 1024)) MiB"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$data"
done
