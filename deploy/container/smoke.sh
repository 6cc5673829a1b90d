#!/usr/bin/env bash
# Smoke test of the image built by build.sh: run it with podman, push and pull
# an image with skopeo, check the HEALTHCHECK, stop it with the image's
# STOPSIGNAL and check it exits cleanly (status 0, "stopped" logged).
#
# These machines need two settings for `podman run` (both kept to this script
# through CONTAINERS_CONF and --runtime): their hard RLIMIT_NOFILE/NPROC are
# below podman's default ulimits and cannot be raised (crun/runc: setrlimit
# not permitted), so the container keeps the host's limits (default_ulimits
# empty); and crun refuses their hybrid cgroup layout, so runc runs it
# (PODMAN_RUNTIME overrides). Where podman still cannot start a container, the
# script says why and falls back to running the image's own root filesystem
# under chroot as the image's user (SMOKE_MODE=chroot forces that).
#
# Usage: deploy/container/smoke.sh [IMAGE]   (default localhost/berth:dev)
# Prints `mode=podman|chroot`, `size_bytes=N` and `ok` last on success.
set -euo pipefail
chroot=$(command -v chroot)
image=${1:-localhost/berth:dev}
work=$(mktemp -d /tmp/berth-smoke.XXXXXX)
pid=
name=berth-smoke-$$
printf '[containers]\ndefault_ulimits = []\n' >"$work/containers.conf"
export CONTAINERS_CONF=$work/containers.conf
runtime=${PODMAN_RUNTIME:-runc}
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" || true; fi
  podman --runtime "$runtime" rm -f -v "$name" >/dev/null 2>&1 || true
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
health() { curl -fs -o /dev/null "http://127.0.0.1:$port/livez"; }
mode=${SMOKE_MODE:-podman}
if [ "$mode" = podman ]; then
  echo "== podman run $image (runtime $runtime) on port $port"
  # No systemd here to time health checks: the script runs the HEALTHCHECK itself below.
  if podman --runtime "$runtime" run -d --name "$name" -p "127.0.0.1:$port:5000" --health-interval=disable \
    -e BERTH_ADMIN_PASSWORD=Smoke-Admin-Pass1 "$image" >"$work/run.out" 2>&1; then
    for _ in $(seq 1 100); do
      health && break
      [ "$(podman inspect --format '{{.State.Running}}' "$name")" = true ] || { podman logs "$name" >&2; exit 1; }
      sleep 0.1
    done
    health
    echo "== the HEALTHCHECK, run by podman: $healthcheck"
    podman --runtime "$runtime" healthcheck run "$name"
  else
    echo "podman run cannot start a container here: $(tail -1 "$work/run.out")" >&2
    echo "falling back to the image's root filesystem under chroot" >&2
    mode=chroot
  fi
fi
if [ "$mode" = chroot ]; then
  echo "== start the image's entrypoint under chroot as $user on port $port"
  env -i "${envs[@]}" BERTH_PORT="$port" BERTH_HOST=127.0.0.1 BERTH_ADMIN_PASSWORD=Smoke-Admin-Pass1 \
    "$chroot" --userspec="$user" "$rootfs" /bin/sh -c 'cd /data && exec "$@"' sh "${entrypoint[@]}" serve \
    >"$work/berth.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    health && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/berth.log" >&2; exit 1; }
    sleep 0.1
  done
  health
  echo "== the HEALTHCHECK command, run in the image: $healthcheck"
  env -i "${envs[@]}" BERTH_PORT="$port" "$chroot" --userspec="$user" "$rootfs" /usr/local/bin/node -e \
    "fetch('http://127.0.0.1:'+process.env.BERTH_PORT+'/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
fi

echo "== push and pull with skopeo"
creds=admin:Smoke-Admin-Pass1
skopeo copy --quiet --dest-tls-verify=false --dest-creds "$creds" \
  "oci:$work/layout:berth" "docker://127.0.0.1:$port/library/berth:smoke"
skopeo copy --quiet --src-tls-verify=false --src-creds "$creds" \
  "docker://127.0.0.1:$port/library/berth:smoke" "oci:$work/pulled:berth"
pushed=$(skopeo inspect --raw "oci:$work/layout:berth" | sha256sum | cut -d' ' -f1)
pulled=$(skopeo inspect --raw "oci:$work/pulled:berth" | sha256sum | cut -d' ' -f1)
[ "$pushed" = "$pulled" ] || { echo "pulled manifest differs" >&2; exit 1; }
if [ "$mode" = podman ]; then podman --runtime "$runtime" exec "$name" test -s /data/berth.db; else test -s "$rootfs/data/berth.db"; fi

echo "== stop with $stopsignal"
if [ "$mode" = podman ]; then
  podman --runtime "$runtime" stop -t 30 "$name" >/dev/null
  status=$(podman inspect --format '{{.State.ExitCode}}' "$name")
  podman logs "$name" >"$work/berth.log" 2>&1
else
  kill -s "${stopsignal#SIG}" "$pid"
  status=0
  wait "$pid" || status=$?
  pid=
fi
[ "$status" = 0 ] || { cat "$work/berth.log" >&2; echo "exit status $status" >&2; exit 1; }
grep -q '"msg":"stopped"' "$work/berth.log"
echo "mode=$mode"
size=$(podman image inspect --format '{{.Size}}' "$image")
echo "size_bytes=$size"
echo ok
