#!/usr/bin/env bash
# Smoke test of the image built by build.sh: start it, push and pull an image
# with skopeo, stop it with the image's STOPSIGNAL and check it exits cleanly.
#
# `podman run` cannot start containers on these machines (crun: setrlimit
# RLIMIT_NOFILE/NPROC not permitted, no cgroups; `--cgroups=disabled
# --ulimit host` does not help), so the image's own root filesystem is run
# instead: skopeo copies it out of containers-storage to an OCI layout,
# umoci unpacks it, and its entrypoint runs under chroot as the image's user
# with the image's environment. That proves the image's contents (Node, the
# libraries, the compiled Berth, production dependencies) run on their own.
#
# Usage: deploy/container/smoke.sh [IMAGE]   (default localhost/berth:dev)
# Prints `size_bytes=N` and `ok` last on success.
set -euo pipefail
chroot=$(command -v chroot)
image=${1:-localhost/berth:dev}
work=$(mktemp -d /tmp/berth-smoke.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== export $image with skopeo, unpack with umoci"
skopeo copy --quiet "containers-storage:$image" "oci:$work/layout:berth"
umoci unpack --image "$work/layout:berth" "$work/bundle" >/dev/null
rootfs=$work/bundle/rootfs
config=$(skopeo inspect --config "containers-storage:$image")
user=$(jq -r '.config.User' <<<"$config")
stopsignal=$(jq -r '.config.StopSignal // "SIGTERM"' <<<"$config")
mapfile -t entrypoint < <(jq -r '.config.Entrypoint[]' <<<"$config")
mapfile -t envs < <(jq -r '.config.Env[]' <<<"$config")
[ "$user" = "10001:10001" ] || { echo "image user is '$user', expected 10001:10001" >&2; exit 1; }
jq -e '.config.Volumes["/data"]' <<<"$config" >/dev/null || { echo "no /data volume" >&2; exit 1; }
jq -e '.config.Labels["org.opencontainers.image.title"] == "Berth"' <<<"$config" >/dev/null
# HEALTHCHECK lives in Docker-format images only (build.sh builds with --format docker).
healthcheck=$(buildah inspect --type image "$image" | jq -c '.Docker.config.Healthcheck.Test // empty')
[ -n "$healthcheck" ] || { echo "no HEALTHCHECK in the image config" >&2; exit 1; }
chown 10001:10001 "$rootfs/data"
cp /etc/resolv.conf "$rootfs/etc/resolv.conf" 2>/dev/null || true

port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
echo "== start the image's entrypoint under chroot as $user on port $port"
env -i "${envs[@]}" BERTH_PORT="$port" BERTH_HOST=127.0.0.1 BERTH_ADMIN_PASSWORD=Smoke-Admin-Pass1 \
  "$chroot" --userspec="$user" "$rootfs" /bin/sh -c 'cd /data && exec "$@"' sh "${entrypoint[@]}" serve \
  >"$work/berth.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fs -o /dev/null "http://127.0.0.1:$port/api/v2.0/health" && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/berth.log" >&2; exit 1; }
  sleep 0.1
done
curl -fs -o /dev/null "http://127.0.0.1:$port/api/v2.0/health"
echo "== the HEALTHCHECK command, run in the image: $healthcheck"
# /livez comes with issue 14; until then the health endpoint answers for it.
env -i "${envs[@]}" BERTH_PORT="$port" "$chroot" --userspec="$user" "$rootfs" /usr/local/bin/node -e \
  "fetch('http://127.0.0.1:'+process.env.BERTH_PORT+'/api/v2.0/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

echo "== push and pull with skopeo"
creds=admin:Smoke-Admin-Pass1
skopeo copy --quiet --dest-tls-verify=false --dest-creds "$creds" \
  "oci:$work/layout:berth" "docker://127.0.0.1:$port/library/berth:smoke"
skopeo copy --quiet --src-tls-verify=false --src-creds "$creds" \
  "docker://127.0.0.1:$port/library/berth:smoke" "oci:$work/pulled:berth"
pushed=$(skopeo inspect --raw "oci:$work/layout:berth" | sha256sum | cut -d' ' -f1)
pulled=$(skopeo inspect --raw "oci:$work/pulled:berth" | sha256sum | cut -d' ' -f1)
[ "$pushed" = "$pulled" ] || { echo "pulled manifest differs" >&2; exit 1; }
test -s "$rootfs/data/berth.db"

echo "== stop with $stopsignal"
kill -s "${stopsignal#SIG}" "$pid"
status=0
wait "$pid" || status=$?
pid=
[ "$status" = 0 ] || { cat "$work/berth.log" >&2; echo "exit status $status" >&2; exit 1; }
grep -q '"msg":"stopped"' "$work/berth.log"
size=$(podman image inspect --format '{{.Size}}' "$image")
echo "size_bytes=$size"
echo ok
