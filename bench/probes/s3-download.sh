#!/usr/bin/env bash
# Berth on S3 (a Ceph RGW started by scripts/s3-up.sh; SQLite metadata): one 256 MiB blob uploaded, then
# DOWNLOADS (default 4) `curl` downloads of it after one untimed, each with its MB/s, the server's CPU for it
# (user + system, all threads) and whether the bytes hash to the digest. ROOT=DIR runs another build (run two
# alternately for an A/B); NODE_FLAGS=--cpu-prof profiles the server (profiles in the data folder's cwd: set
# NODE_FLAGS="--cpu-prof --cpu-prof-dir=DIR"). S3_ENV=FILE uses the S3 server of that s3.env (left running).
set -euo pipefail
. "$(dirname "$0")/common.sh"
use_s3 probe-dl-$RANDOM/
start_berth
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$DATA"
  stop_s3' EXIT
F=$DATA/big.bin
head -c 268435456 /dev/urandom >"$F"
echo "upload $(upload_big "$F") MB/s"
D=sha256:$(sha256sum "$F" | cut -d' ' -f1)
URL=$B/v2/t/big/blobs/$D
curl -sf -o /dev/null "$URL"
for i in $(seq 1 "${DOWNLOADS:-4}"); do
  c0=$(cpu_us)
  speed=$(curl -sf -o "$DATA/got.bin" -w '%{speed_download}' "$URL")
  c1=$(cpu_us)
  same=$([ "sha256:$(sha256sum "$DATA/got.bin" | cut -d' ' -f1)" = "$D" ] && echo yes || echo NO)
  echo "download $i: $(echo "$speed / 1000000" | bc) MB/s, server $(echo "($c1 - $c0) / 1000" | bc) cpu-ms, bytes match: $same"
done
