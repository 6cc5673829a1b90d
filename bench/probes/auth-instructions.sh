#!/usr/bin/env bash
# Instructions per request (valgrind callgrind, all threads) of a manifest GET by digest (KIND=tag: by tag,
# KIND=head: blob HEAD), Berth with a Bearer token and with BERTH_AUTH=off, for one or more checkouts.
# Counts, unlike wall or CPU time, do not move with the machine's other load. All servers start at once
# under callgrind with instrumentation off (start-up and WARM requests run uncounted), then for each
# server in turn instrumentation is switched on for N requests and the counts are dumped.
#   ROOTS="/a /b" KIND=digest bash bench/probes/auth-instructions.sh [N] [WARM]
set -euo pipefail
HERE=$(cd "$(dirname "$0")/../.." && pwd)
ROOTS=${ROOTS:-$HERE}
KIND=${KIND:-digest}
N=${1:-400}
WARM=${2:-2000}
OUT=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$OUT"' EXIT
U=admin:Probe-pass-1
ACCEPT='Accept: application/vnd.oci.image.manifest.v1+json'
CFG=sha256:$(printf '{}' | sha256sum | cut -d' ' -f1)
declare -A URL PID AUTH
i=0
for root in $ROOTS; do
  for mode in on off; do
    name="$i-$mode"; port=$((20000 + RANDOM % 20000)); mkdir -p "$OUT/$name"
    env=(NODE_ENV=production BERTH_AUTH=off)
    [ $mode = on ] && env=(NODE_ENV=production BERTH_AUTH=on BERTH_ADMIN_PASSWORD=Probe-pass-1 BERTH_TOKEN_TTL=3600)
    env "${env[@]}" valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT/$name/cg.%p" \
      node --max-semi-space-size=4 --v8-pool-size=1 "$root/dist/bundle/main.js" serve --host 127.0.0.1 --port $port \
      --data "$OUT/$name/data" >"$OUT/$name/log" 2>&1 &
    PID[$name]=$!; PIDS+=($!); URL[$name]=http://127.0.0.1:$port
  done
  i=$((i + 1))
done
for name in "${!URL[@]}"; do
  B=${URL[$name]}
  for _ in $(seq 1 3000); do curl -s -o /dev/null "$B/api/v2.0/health" && break; sleep 0.2; done
  a=(); [[ $name == *-on ]] && a=(-u $U)
  curl -sf -o /dev/null "${a[@]}" -X POST "$B/v2/t/app/blobs/uploads/?digest=$CFG" --data-binary '{}' -H 'Content-Type: application/octet-stream'
  curl -sf -o /dev/null "${a[@]}" -X PUT "$B/v2/t/app/manifests/v1" -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"$CFG\",\"size\":2},\"layers\":[]}"
  AUTH[$name]=""
  if [[ $name == *-on ]]; then
    AUTH[$name]="Authorization: Bearer $(curl -sf -u $U "$B/service/token?service=berth&scope=repository:t/app:pull" | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s).token))")"
  fi
done
target() { # target NAME: hey arguments for KIND
  local B=${URL[$1]} h=(-H "${AUTH[$1]:-X-None: 1}")
  local digest; digest=$(curl -sf -o /dev/null -D - "${h[@]}" -H "$ACCEPT" "$B/v2/t/app/manifests/v1" | tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}')
  case $KIND in
    tag) echo "${h[@]@Q} -H ${ACCEPT@Q} $B/v2/t/app/manifests/v1" ;;
    digest) echo "${h[@]@Q} -H ${ACCEPT@Q} $B/v2/t/app/manifests/$digest" ;;
    head) echo "-m HEAD ${h[@]@Q} $B/v2/t/app/blobs/$CFG" ;;
  esac
}
for name in $(printf '%s\n' "${!URL[@]}" | sort); do
  args=$(target "$name")
  eval "hey -n $WARM -c 4 $args" >/dev/null
  callgrind_control -i on "${PID[$name]}" >/dev/null
  res=$(eval "hey -n $N -c 4 $args")
  callgrind_control -d "${PID[$name]}" >/dev/null
  callgrind_control -i off "${PID[$name]}" >/dev/null
  grep -qE "\[(4|5)[0-9][0-9]\]" <<<"$res" && { echo "$name: error responses" >&2; echo "$res" >&2; exit 1; }
  sleep 2
  total=0
  for f in "$OUT/$name"/cg.*; do
    v=$(awk '/^(summary|totals):/{print $2; exit}' "$f"); total=$((total + ${v:-0}))
  done
  echo "$name ($KIND, root $(echo $ROOTS | cut -d' ' -f$((${name%%-*} + 1)))): $((total / N)) instructions/request"
  rm -f "$OUT/$name"/cg.*
done
