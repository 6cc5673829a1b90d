#!/usr/bin/env bash
# CPU time and run-queue wait of each Berth thread (/proc/PID/task/*/schedstat) during one 1 GiB monolithic upload.
# The main thread is marked; the threads created right after it are V8's platform workers (GC helpers; one with the
# launcher's --v8-pool-size=1), the next group libuv's pool (UV_THREADPOOL_SIZE changes its size); threads started
# during the upload (the hashing worker) come last. ROOT=DIR runs another build.
set -euo pipefail
. "$(dirname "$0")/common.sh"
start_berth
F=$DATA/big.bin
head -c 1073741824 /dev/urandom >"$F"
snap() { for t in /proc/$PID/task/*; do echo "$(basename "$t") $(cat "$t/schedstat")"; done | sort; }
if [ -n "${PERF:-}" ]; then # PERF=FILE: also `perf record -g` the server during the upload
  perf record -e cpu-clock -g -p "$PID" -o "$PERF" 2>/dev/null &
  perf_pid=$!
  sleep 0.5
fi
snap >"$DATA/before"
speed=$(upload_big "$F")
snap >"$DATA/after"
[ -n "${perf_pid:-}" ] && { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
echo "upload $speed MB/s"
join -a 2 -e 0 -o 0,1.2,1.3,1.4,2.2,2.3,2.4 "$DATA/before" "$DATA/after" | awk -v pid="$PID" '{cpu = ($5 - $2) / 1e6; wait = ($6 - $3) / 1e6;
  if (cpu + wait > 5) printf "%-8s %-5s cpu %6.0f ms  waiting %6.0f ms\n", $1, ($1 == pid ? "main" : ""), cpu, wait}'
