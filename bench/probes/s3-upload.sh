#!/usr/bin/env bash
# Berth on S3 (a Ceph RGW started by scripts/s3-up.sh, data in RAM) and PostgreSQL: UPLOADS monolithic uploads of
# 256 MiB (default 3), each with its MB/s and the server's CPU; then the server's memory (VmHWM, RSS, V8 heap and
# external memory) after the uploads, after IDLE seconds (default 15), and after 10 s of manifest GETs (wrk -c64).
# PERF=FILE records the last upload with `perf record -g`. ROOT=DIR runs another build. S3_ENV=FILE uses the
# S3 server of that s3.env (from scripts/s3-up.sh, left running) instead of starting one.
set -euo pipefail
. "$(dirname "$0")/common.sh"
DB=berth_probe_$RANDOM
use_s3 probe-$DB/
psql -h 127.0.0.1 -U postgres -d test -qc "CREATE DATABASE $DB" >/dev/null
export BERTH_DATABASE_DRIVER=postgres BERTH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB
start_berth
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$DATA"
  psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE $DB WITH (FORCE)" >/dev/null
  stop_s3' EXIT
memory() {
  echo "$1: $(grep -E 'VmHWM|VmRSS' /proc/$PID/status | tr -s ' \t' ' ' | tr '\n' ' ')$(curl -s "$B/metrics" |
    awk '/^berth_nodejs_(heap_size_total|external_memory)_bytes /{printf "%s %.0f MiB ", $1, $2 / 1048576}')"
}
memory "after start"
F=$DATA/big.bin
head -c 268435456 /dev/urandom >"$F"
n=${UPLOADS:-3}
for i in $(seq 1 "$n"); do
  if [ -n "${PERF:-}" ] && [ "$i" = "$n" ]; then
    perf record -e cpu-clock -g -p "$PID" -o "$PERF" 2>/dev/null &
    perf_pid=$!
    sleep 0.5
  fi
  t0=$(cpu_us)
  speed=$(upload_big "$F")
  echo "upload $i: $speed MB/s, server CPU $(( ($(cpu_us) - t0) / 1000 )) ms"
done
[ -n "${perf_pid:-}" ] && { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
memory "after the uploads"
sleep "${IDLE:-15}"
memory "after ${IDLE:-15} s idle"
push_manifest
wrk -t2 -c64 -d10s -H "$ACCEPT" "$B/v2/t/app/manifests/v1" | awk '/Requests\/sec/{print "manifest GET " int($2) " req/s"}'
memory "after the manifest load"
