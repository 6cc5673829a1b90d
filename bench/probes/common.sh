# Shared by the probes: the checkout to run (ROOT, default this one), a free-ish port, a manifest push.
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PORT=${PORT:-$((20000 + RANDOM % 20000))}
B=http://127.0.0.1:$PORT

wait_up() { for _ in $(seq 1 200); do curl -s -o /dev/null "$B/v2/" && return 0; sleep 0.05; done; echo "server did not start" >&2; return 1; }

# push_manifest [curl auth args…]: an empty config blob and an OCI manifest tagged t/app:v1.
push_manifest() {
  local cfg='{}' cd
  cd=sha256:$(printf '%s' "$cfg" | sha256sum | cut -d' ' -f1)
  curl -sf -o /dev/null "$@" -X POST "$B/v2/t/app/blobs/uploads/?digest=$cd" --data-binary "$cfg" -H 'Content-Type: application/octet-stream'
  curl -sf -o /dev/null "$@" -X PUT "$B/v2/t/app/manifests/v1" -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"$cd\",\"size\":2},\"layers\":[]}"
}

ACCEPT='Accept: application/vnd.oci.image.manifest.v1+json'

# manifest_digest: the digest of t/app:v1 (pushed by push_manifest).
manifest_digest() {
  curl -sf -o /dev/null -D - -H "$ACCEPT" "$B/v2/t/app/manifests/v1" | tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}'
}

# launcher_flags DIR: the Node flags the launcher of checkout DIR execs node with (bin/berth.js's `exec node FLAGS "$0"`).
launcher_flags() { sed -n 's/.*exec node \(.*\) "\$0".*/\1/p' "$1/bin/berth.js"; }

# cpu_us: CPU time (user + system) the server process PID has used so far, in µs.
cpu_us() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000000 / hz)}' "/proc/$PID/stat"; }

# Berth starts without NODE_EXTRA_CA_CERTS (Node 20 parses that bundle at every start; see bench/lib/start-probe.mjs).
NO_EXTRA_CA=$([ "${BENCH_EXTRA_CA:-}" = keep ] || echo "env -u NODE_EXTRA_CA_CERTS")

# start_berth: Berth without auth, as the bench runs it (its launcher, info logging to DATA/log), on a new data
# folder DATA; sets PID and removes both on exit. NODE_FLAGS go to NODE_OPTIONS (e.g. --cpu-prof).
start_berth() {
  DATA=$(mktemp -d)
  NODE_ENV=production BERTH_AUTH=off NODE_OPTIONS="${NODE_FLAGS:-}" $NO_EXTRA_CA "$ROOT/bin/berth.js" serve --port "$PORT" --data "$DATA" >"$DATA/log" 2>&1 &
  PID=$!
  trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
  wait_up
}

# upload_big FILE: makes FILE a new blob (new first 32 bytes), syncs, uploads it with POST + curl -T; prints MB/s.
upload_big() {
  local f=$1 d l t0 t1
  head -c 32 /dev/urandom | dd of="$f" bs=32 count=1 conv=notrunc 2>/dev/null
  d=sha256:$(sha256sum "$f" | cut -d' ' -f1)
  sync
  l=$(curl -sf -X POST -D - -o /dev/null "$B/v2/t/big/blobs/uploads/" | tr -d '\r' | awk -F': ' 'tolower($1)=="location"{print $2}')
  t0=$(date +%s.%N)
  curl -sf -o /dev/null -H 'Expect:' -H 'Content-Type: application/octet-stream' -T "$f" "$B$l?digest=$d"
  t1=$(date +%s.%N)
  echo "$(stat -c %s "$f") / 1000000 / ($t1 - $t0)" | bc -l | cut -d. -f1
}

# This checkout's scripts (ROOT may be another build).
PROBE_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../scripts" && pwd)

# use_s3 PREFIX: Berth's storage on S3 under PREFIX: the S3 server of S3_ENV (an s3.env from scripts/s3-up.sh, left
# running) or, without it, a Ceph RGW started now (stop_s3 stops it; call it from the probe's EXIT trap).
use_s3() {
  S3_STATE=$(mktemp -d)
  if [ -z "${S3_ENV:-}" ]; then
    "$PROBE_SCRIPTS/s3-up.sh" "$S3_STATE" >/dev/null 2>&1
    S3_ENV=$S3_STATE/s3.env
    OWN_S3=1
  fi
  set -a
  . "$S3_ENV"
  set +a
  export BERTH_STORAGE_DRIVER=s3 BERTH_S3_ENDPOINT="$S3_ENDPOINT" BERTH_S3_ACCESS_KEY="$S3_ACCESS_KEY" \
    BERTH_S3_SECRET_KEY="$S3_SECRET_KEY" BERTH_S3_BUCKET="$S3_BUCKET" BERTH_S3_PREFIX="$1"
}
stop_s3() {
  if [ -n "${OWN_S3:-}" ]; then "$PROBE_SCRIPTS/s3-down.sh" "$S3_STATE" >/dev/null 2>&1 || true; fi
  rm -rf "$S3_STATE"
}
