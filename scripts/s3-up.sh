#!/usr/bin/env bash
# Starts a real S3 server for tests and benchmarks: a single-host Ceph RADOS
# Gateway (one monitor, one OSD, radosgw) on loopback, from Debian's packages.
#
#   scripts/s3-up.sh [STATE_DIR]      (or S3_STATE_DIR=…; default: a new temp dir)
#
# Every file, socket and log of the cluster lives in STATE_DIR, the ports are
# picked free, so several instances can run side by side. On success it prints
# the lines of STATE_DIR/s3.env to stdout:
#   S3_ENDPOINT=http://127.0.0.1:PORT S3_ACCESS_KEY=… S3_SECRET_KEY=… S3_REGION=…
#   S3_BUCKET=… (created, empty) S3_STATE_DIR=…
# Stop it, and remove STATE_DIR, with scripts/s3-down.sh STATE_DIR.
#
# Environment (all optional):
#   S3_PORT, S3_MON_PORT          ports to use (default: free ones)
#   S3_ACCESS_KEY, S3_SECRET_KEY  the S3 user's keys (default: fixed test keys)
#   S3_REGION                     region reported in s3.env (default us-east-1)
#   S3_BUCKET                     a bucket to create (default berth-test)
#   S3_OSD_STORE                  memstore (default: data in RAM, for tests) or
#                                 bluestore (a sparse file in STATE_DIR, for benchmarks)
#   S3_STORE_BYTES                capacity of the OSD store (default 8 GiB)
#   S3_START_TIMEOUT              seconds to wait for the cluster (default 240)
#   S3_TCP_NODELAY=0              leave Nagle's algorithm on in RGW's HTTP frontend
#                                 (its default): a small request on a kept-alive
#                                 connection then waits ~40 ms for the client's
#                                 delayed ACK (bench/probes/s3-request-latency.ts)
#   S3_NO_INSTALL=1               fail instead of installing missing packages
set -euo pipefail

started_at=$(date +%s%N)
log() { printf 's3-up: %s\n' "$*" >&2; }
since_start() { local ms=$((($(date +%s%N) - started_at) / 1000000)); echo "$((ms / 1000)).$(printf %03d $((ms % 1000)))"; }
die() { log "error: $*"; exit 1; }

# ------------------------------------------------------------------ packages
ensure_packages() {
  local missing=()
  command -v ceph-mon >/dev/null || missing+=(ceph-mon)
  command -v ceph-osd >/dev/null || missing+=(ceph-osd)
  command -v radosgw >/dev/null || missing+=(radosgw)
  { command -v ceph >/dev/null && command -v ceph-authtool >/dev/null && command -v monmaptool >/dev/null; } ||
    missing+=(ceph-common)
  command -v uuidgen >/dev/null || missing+=(uuid-runtime)
  command -v curl >/dev/null || missing+=(curl)
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "${S3_NO_INSTALL:-}" = 1 ] && die "missing packages: ${missing[*]}"
  log "installing ${missing[*]}"
  local sudo=
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  # Serialise with other instances installing at the same moment.
  exec 9>/tmp/berth-s3-apt.lock
  flock 9
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    ceph-mon ceph-osd radosgw ceph-common uuid-runtime curl ca-certificates >&2
  flock -u 9
}
ensure_packages

# ------------------------------------------------------------------ state dir
state=${1:-${S3_STATE_DIR:-}}
if [ -z "$state" ]; then
  state=$(mktemp -d /tmp/berth-s3.XXXXXX)
else
  mkdir -p "$state"
  state=$(cd "$state" && pwd)
  if [ -f "$state/pids" ]; then
    for pid in $(cat "$state/pids"); do
      kill -0 "$pid" 2>/dev/null && die "$state is in use by a running instance (pid $pid); stop it with s3-down.sh"
    done
  fi
  [ -z "$(ls -A "$state")" ] || [ -f "$state/.berth-s3" ] || die "$state is not empty and not an S3 state dir"
  rm -rf "${state:?}"/*
fi
touch "$state/.berth-s3"
mkdir -p "$state/run" "$state/log" "$state/mon/ceph-a" "$state/osd/ceph-0" "$state/rgw/ceph-rgw.a"
: >"$state/pids"

# On any failure: stop what was started, keep the logs for a look.
cleanup_on_error() {
  local rc=$?
  [ $rc -eq 0 ] && return
  log "start-up failed (exit $rc); logs in $state/log; last lines:"
  for f in "$state"/log/*.log; do
    [ -f "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }
  done
  for pid in $(cat "$state/pids" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
}
trap cleanup_on_error EXIT
trap 'exit 143' TERM INT HUP # so that a killed start-up stops its daemons too

# ------------------------------------------------------------------ ports
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 25000))
    if ! port_in_use "$p" && ! grep -qx "$p" "$state/ports" 2>/dev/null; then
      echo "$p" >>"$state/ports"
      echo "$p"
      return 0
    fi
  done
  die "no free port found"
}
mon_port=${S3_MON_PORT:-$(free_port)}
rgw_port=${S3_PORT:-$(free_port)}
port_in_use "$rgw_port" && die "port $rgw_port is in use"
port_in_use "$mon_port" && die "port $mon_port is in use"

access_key=${S3_ACCESS_KEY:-BERTHTESTACCESSKEY01}
secret_key=${S3_SECRET_KEY:-berth-test-secret-key-do-not-use-in-production}
region=${S3_REGION:-us-east-1}
bucket=${S3_BUCKET:-berth-test}
store=${S3_OSD_STORE:-memstore}
store_bytes=${S3_STORE_BYTES:-$((8 * 1024 * 1024 * 1024))}
timeout_s=${S3_START_TIMEOUT:-240}
fsid=$(uuidgen)
# Nagle off, as a tuned deployment has it: S3 clients (Berth's driver too) send many small requests in a row.
nodelay=" tcp_nodelay=1"
[ "${S3_TCP_NODELAY:-1}" = 1 ] || nodelay=""

case "$store" in
  memstore) store_conf="osd objectstore = memstore
memstore device bytes = $store_bytes" ;;
  bluestore) store_conf="osd objectstore = bluestore
bluestore block path = $state/osd/block
bluestore block create = true
bluestore block size = $store_bytes
bluestore cache size = 268435456" ;;
  *) die "S3_OSD_STORE must be memstore or bluestore" ;;
esac

# ------------------------------------------------------------------ ceph.conf
conf=$state/ceph.conf
cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon_port]
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind ipv6 = false
# No authentication (loopback test cluster); crc modes are needed with it.
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = false
ms mon client mode = crc
ms client mode = crc
ms mon service mode = crc secure
ms service mode = crc secure
ms cluster mode = crc secure
# One OSD, one replica, few placement groups.
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
# Everything inside the state dir: nothing in /etc, /var/lib or /var/run.
run dir = $state/run
log file = $state/log/\$name.log
mon data = $state/mon/\$cluster-\$id
osd data = $state/osd/\$cluster-\$id
rgw data = $state/rgw/\$cluster-\$id
keyring = $state/keyring
crash dir = $state/crash
exec dir = $state/run
mon cluster log file = $state/log/cluster.log
# Keep a small machine responsive.
osd memory target = 939524096
osd op num shards = 2
osd op num threads per shard = 1
$store_conf

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port$nodelay
rgw thread pool size = 64
rgw gc obj min wait = 30
rgw gc processor period = 30
rgw enable usage log = false
EOF
export CEPH_CONF=$conf

ceph_cli() { timeout 20 ceph -c "$conf" --connect-timeout 10 "$@"; }
spawn() { # name, command… : runs a daemon in the foreground of its own session, records its PID
  local name=$1
  shift
  setsid "$@" </dev/null >>"$state/log/$name.out" 2>&1 &
  echo $! >>"$state/pids"
}
wait_until() { # description, command…
  local what=$1 deadline=$(($(date +%s) + timeout_s))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || die "timed out waiting for $what"
    for pid in $(cat "$state/pids"); do kill -0 "$pid" 2>/dev/null || die "a daemon exited while waiting for $what (pid $pid)"; done
    sleep 0.5
  done
}

# ------------------------------------------------------------------ monitor
ceph-authtool --create-keyring "$state/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$state/monmap" >/dev/null
ceph-mon -c "$conf" --mkfs -i a --monmap "$state/monmap" --keyring "$state/keyring" 2>>"$state/log/mkfs.log"
spawn mon.a ceph-mon -f -c "$conf" -i a
wait_until "the monitor" ceph_cli mon stat
log "monitor up at $(since_start)s"

# ------------------------------------------------------------------ OSD
osd_uuid=$(uuidgen)
osd_id=$(ceph_cli osd new "$osd_uuid")
[ "$osd_id" = 0 ] || die "unexpected OSD id $osd_id"
ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$osd_uuid" 2>>"$state/log/mkfs.log" >/dev/null
spawn osd.0 ceph-osd -f -c "$conf" -i 0
osd_up() { ceph_cli osd stat | grep -q '1 up'; }
wait_until "the OSD" osd_up
log "OSD up at $(since_start)s"

# ------------------------------------------------------------------ gateway
spawn rgw.a radosgw -f -c "$conf" -n client.rgw.a
s3_answers() { # an anonymous GET / answers with HTTP once the gateway serves
  exec 3<>"/dev/tcp/127.0.0.1/$rgw_port" || return 1
  printf 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
  local status
  read -r -t 5 status <&3 || true
  exec 3<&- 3>&-
  [[ "$status" == HTTP/1.1\ 200* ]]
}
wait_until "the S3 gateway" s3_answers
timeout 60 radosgw-admin -c "$conf" user create --uid=berth --display-name='Berth tests' \
  --access-key="$access_key" --secret-key="$secret_key" >"$state/log/user.json" 2>>"$state/log/admin.log" ||
  die "radosgw-admin user create failed"

# The bucket, made with a signed request (the payload hash header is required by RGW).
empty_sha=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
status=$(curl -sS -o "$state/log/bucket.xml" -w '%{http_code}' --aws-sigv4 "aws:amz:$region:s3" \
  --user "$access_key:$secret_key" -H "x-amz-content-sha256: $empty_sha" -X PUT "http://127.0.0.1:$rgw_port/$bucket")
[ "$status" = 200 ] || die "creating bucket $bucket answered HTTP $status: $(cat "$state/log/bucket.xml")"

cat >"$state/s3.env" <<EOF
S3_ENDPOINT=http://127.0.0.1:$rgw_port
S3_ACCESS_KEY=$access_key
S3_SECRET_KEY=$secret_key
S3_REGION=$region
S3_BUCKET=$bucket
S3_STATE_DIR=$state
EOF
trap - EXIT
log "Ceph RGW ($store) ready at http://127.0.0.1:$rgw_port in $(since_start)s; state in $state"
cat "$state/s3.env"
