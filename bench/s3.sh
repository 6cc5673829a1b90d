#!/usr/bin/env bash
# The S3 + PostgreSQL section of the benchmark: the same workloads, with Berth
# on a real S3 server (Ceph RGW from scripts/s3-up.sh, bluestore on a sparse
# file) and PostgreSQL, next to Distribution on its s3 driver against the same
# server and bucket (prefix dist/).
set -euo pipefail
cd "$(dirname "$0")/.."
# BENCH_S3_STATE=DIR: use the S3 server already running from `scripts/s3-up.sh DIR` (left running).
state=${BENCH_S3_STATE:-$(mktemp -d /tmp/berth-bench-s3.XXXXXX)}
db="berth_bench_$$"
cleanup() {
  [ -n "${BENCH_S3_STATE:-}" ] || scripts/s3-down.sh "$state" >/dev/null 2>&1 || true
  psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
[ -n "${BENCH_S3_STATE:-}" ] || S3_OSD_STORE=bluestore scripts/s3-up.sh "$state" >/dev/null
set -a
. "$state/s3.env"
set +a
psql -h 127.0.0.1 -U postgres -d test -qc "CREATE DATABASE $db" >/dev/null
BERTH_STORAGE_DRIVER=s3 \
BERTH_S3_ENDPOINT="$S3_ENDPOINT" BERTH_S3_ACCESS_KEY="$S3_ACCESS_KEY" BERTH_S3_SECRET_KEY="$S3_SECRET_KEY" \
BERTH_S3_REGION="${S3_REGION:-us-east-1}" BERTH_S3_BUCKET="$S3_BUCKET" BERTH_S3_PREFIX="bench/" \
BERTH_DATABASE_DRIVER=postgres BERTH_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" \
BENCH_TITLE="S3 (Ceph RGW) + PostgreSQL" BENCH_DIST_S3=1 \
BENCH_OUT="${BENCH_S3_OUT:-bench/RESULTS-s3.md}" \
BENCH_ONLY="${BENCH_S3_ONLY:-upload,chunked,download,mget,skopeo,pulls,storm,s3ceiling}" \
BENCH_BLOB_MIB="${BENCH_S3_BLOB_MIB:-256}" \
  node --import tsx bench/run.ts
