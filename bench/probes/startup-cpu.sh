#!/usr/bin/env bash
# Start-up cost in CPU time (user + system of the server process from spawn to
# the first 200 on /v2/) and idle RSS 10 s later: figures a loaded machine moves
# far less than wall time (bench/FINDINGS.md, "Session 6"). Then the first
# management API request (GET /api/v2.0/systeminfo, which builds the API on
# first use, "Session 8"): its wall time and CPU, a second one's wall time, RSS after.
#   bash bench/probes/startup-cpu.sh [runs]    ENTRY=dist/cli/main.js compares the unbundled build
#   REUSE=1: every run starts on the data folder of a first, unmeasured start (as the bench's later rounds
#   do: no migrations, keys or admin to create); otherwise each run starts on a new folder.
#   BACKEND=s3pg: S3 (the variables of scripts/s3-up.sh's s3.env) and PostgreSQL (BERTH_DATABASE_URL, default
#   a new database on 127.0.0.1:5432) instead of the filesystem and SQLite.
set -euo pipefail
. "$(dirname "$0")/common.sh"
ENTRY=${ENTRY:-$ROOT/dist/bundle/main.js}
TCK=$(getconf CLK_TCK)
IDLE=${IDLE:-10}
serve() { BERTH_AUTH=${BERTH_AUTH:-off} node --max-semi-space-size=4 --v8-pool-size=1 "$ENTRY" serve --host 127.0.0.1 --port "$PORT" --data "$1" >/dev/null 2>&1 & }
backend() {
  [ "${BACKEND:-fs}" = s3pg ] || return 0
  local db="berth_startup_$$_$1"
  psql -q -h 127.0.0.1 -U postgres -d test -c "create database $db" >/dev/null
  export BERTH_STORAGE_DRIVER=s3 BERTH_S3_BUCKET="$db" BERTH_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
  # s3.env names them S3_*; Berth reads BERTH_S3_*.
  export BERTH_S3_ENDPOINT=${BERTH_S3_ENDPOINT:-${S3_ENDPOINT:-}} BERTH_S3_ACCESS_KEY=${BERTH_S3_ACCESS_KEY:-${S3_ACCESS_KEY:-}}
  export BERTH_S3_SECRET_KEY=${BERTH_S3_SECRET_KEY:-${S3_SECRET_KEY:-}} BERTH_S3_REGION=${BERTH_S3_REGION:-${S3_REGION:-us-east-1}}
}
if [ -n "${REUSE:-}" ]; then
  shared=$(mktemp -d /tmp/berth-startup.XXXXXX)
  backend 0
  serve "$shared"; pid=$!
  until curl -sf -o /dev/null "$B/v2/"; do sleep 0.01; done
  kill "$pid"; wait "$pid" 2>/dev/null || true
fi
for run in $(seq 1 "${1:-3}"); do
  if [ -n "${REUSE:-}" ]; then data=$shared; else data=$(mktemp -d /tmp/berth-startup.XXXXXX); backend "$run"; fi
  t0=$(date +%s%N)
  serve "$data"; pid=$!
  until curl -sf -o /dev/null "$B/v2/"; do sleep 0.003; done
  t1=$(date +%s%N)
  read -r u s < <(awk '{print $14, $15}' "/proc/$pid/stat")
  sleep "$IDLE"
  rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
  read -r u2 s2 < <(awk '{print $14, $15}' "/proc/$pid/stat")
  api1=$(curl -sf -o /dev/null -w '%{time_total}' "$B/api/v2.0/systeminfo")
  read -r u3 s3 < <(awk '{print $14, $15}' "/proc/$pid/stat")
  api2=$(curl -sf -o /dev/null -w '%{time_total}' "$B/api/v2.0/systeminfo")
  rss2=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
  echo "run $run: $(((u + s) * 1000 / TCK)) cpu-ms, $(((t1 - t0) / 1000000)) ms wall, idle RSS $((rss / 1024)) MiB;" \
    "first API request $(awk -v t="$api1" 'BEGIN{printf "%d", t * 1000}') ms wall, $(((u3 + s3 - u2 - s2) * 1000 / TCK)) cpu-ms," \
    "second $(awk -v t="$api2" 'BEGIN{printf "%d", t * 1000}') ms, RSS after $((rss2 / 1024)) MiB"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  [ -n "${REUSE:-}" ] || rm -rf "$data"
done
[ -z "${REUSE:-}" ] || rm -rf "$shared"
