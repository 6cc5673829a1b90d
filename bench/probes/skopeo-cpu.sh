#!/usr/bin/env bash
# CPU of skopeo itself against the server's during `skopeo copy` pulls of the bench's image (5 layers × 20 MiB of
# random data): wall, user and sys time of skopeo, and the server's CPU over the same pull, for RUNS pulls (default 5).
# Shows what bounds the skopeo pull figure. ROOT=DIR runs another build.
set -euo pipefail
. "$(dirname "$0")/common.sh"
start_berth
node --import tsx -e "import('$ROOT/bench/workloads/image.ts').then((m) => m.buildOciLayout('$DATA/layout', 'v1', 5, 20 * 1024 * 1024))"
skopeo copy -q --dest-tls-verify=false --preserve-digests "oci:$DATA/layout:v1" "docker://127.0.0.1:$PORT/sk/app:v1"
for _ in $(seq 1 "${RUNS:-5}"); do
  rm -rf "$DATA/out"
  t0=$(cpu_us)
  TIMEFORMAT="skopeo: wall %R s, user %U s, sys %S s"
  time skopeo copy -q --src-tls-verify=false "docker://127.0.0.1:$PORT/sk/app:v1" "oci:$DATA/out:v1"
  echo "  server CPU $(( ($(cpu_us) - t0) / 1000 )) ms"
done
