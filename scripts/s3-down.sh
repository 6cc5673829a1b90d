#!/usr/bin/env bash
# Stops an S3 server started by scripts/s3-up.sh and removes its state dir.
#
#   scripts/s3-down.sh STATE_DIR      (or S3_STATE_DIR=…)
#   S3_KEEP_STATE=1 keeps the state dir (logs) after stopping.
#
# Only the daemons whose PIDs s3-up.sh recorded in STATE_DIR/pids are stopped.
set -uo pipefail

state=${1:-${S3_STATE_DIR:-}}
[ -n "$state" ] || { echo "usage: $0 STATE_DIR" >&2; exit 2; }
[ -d "$state" ] || exit 0
[ -f "$state/.berth-s3" ] || { echo "s3-down: $state is not an S3 state dir; left alone" >&2; exit 1; }

pids=$(cat "$state/pids" 2>/dev/null || true)
# Gateway first, then OSD, then monitor: the reverse of the start order.
reversed=$(echo $pids | tr ' ' '\n' | tac)
for pid in $reversed; do kill -TERM "$pid" 2>/dev/null || true; done
for _ in $(seq 1 100); do
  alive=
  for pid in $reversed; do kill -0 "$pid" 2>/dev/null && alive=1; done
  [ -z "$alive" ] && break
  sleep 0.1
done
for pid in $reversed; do kill -KILL "$pid" 2>/dev/null || true; done

if [ "${S3_KEEP_STATE:-}" = 1 ]; then
  : >"$state/pids"
else
  rm -rf "${state:?}"
fi
