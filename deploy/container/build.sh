#!/usr/bin/env bash
# Builds Berth's image from the repository's Dockerfile with buildah, on a
# machine that cannot pull docker.io/library/node (no Docker engine, no Hub):
#
# - the `runtime` stage's base (NODE_IMAGE) is a Debian bookworm root made by
#   mmdebstrap from Debian's packages (libc6, libstdc++6, libgcc-s1 and
#   busybox-static only, extracted, ~25 MB) plus this machine's Node 20
#   binary: Debian bookworm's own nodejs is 18, and Berth needs >= 20;
# - the `build` stage is replaced (buildah --build-context build=DIR) by the
#   build made here: `npm run build`, then a copy with only production
#   dependencies (`npm prune --omit=dev`), so no npm registry is needed.
#
# Everything else (labels, user, volume, HEALTHCHECK, STOPSIGNAL, entrypoint)
# comes from the Dockerfile unchanged.
#
# Usage: deploy/container/build.sh [IMAGE]   (default localhost/berth:dev)
# Env:   BERTH_BASE_CACHE  where the Debian root tarball is kept (default ~/.cache/berth-container)
#        DEBIAN_MIRROR     (default http://deb.debian.org/debian)
#        NODE_BIN          Node binary to put in the base (default: `command -v node`)
#        SKIP_WEB_BUILD=1  reuse an existing dist/ and web/dist/
set -euo pipefail
cd "$(dirname "$0")/../.."
image=${1:-localhost/berth:dev}
cache=${BERTH_BASE_CACHE:-$HOME/.cache/berth-container}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
node_bin=${NODE_BIN:-$(command -v node)}
export BUILDAH_ISOLATION=chroot
mkdir -p "$cache"

node_version=$("$node_bin" -p 'process.versions.node')
if [ "${node_version%%.*}" -lt 20 ]; then
  echo "build.sh: $node_bin is Node $node_version; Berth needs >= 20" >&2
  exit 1
fi
base_image="localhost/berth-node-base:$node_version"

# 1. The base: Debian's libraries + busybox + Node.
if ! buildah inspect --type image "$base_image" >/dev/null 2>&1; then
  rootfs_tar="$cache/bookworm-node-runtime.tar"
  if [ ! -s "$rootfs_tar" ]; then
    echo "== mmdebstrap: Debian bookworm runtime libraries"
    mmdebstrap --quiet --variant=extract --include=libc6,libstdc++6,libgcc-s1,busybox-static \
      bookworm "$rootfs_tar.part" "$mirror"
    mv "$rootfs_tar.part" "$rootfs_tar"
  fi
  echo "== base image $base_image"
  ctr=$(buildah from scratch)
  trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
  buildah add "$ctr" "$rootfs_tar" / >/dev/null
  buildah copy "$ctr" "$node_bin" /usr/local/bin/node >/dev/null
  buildah copy "$ctr" /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt >/dev/null
  buildah run "$ctr" -- /bin/busybox sh -c '
    /bin/busybox --install -s /bin
    rm -rf /usr/share/doc /usr/share/man /usr/share/locale /usr/share/info /usr/share/lintian /var/cache/* /var/lib/apt
    mkdir -p /tmp && chmod 1777 /tmp
    echo "root:x:0:0:root:/root:/bin/sh" > /etc/passwd
    echo "berth:x:10001:10001:berth:/data:/bin/sh" >> /etc/passwd
    echo "root:x:0:" > /etc/group
    echo "berth:x:10001:" >> /etc/group'
  buildah config --env PATH=/usr/local/bin:/usr/bin:/bin --label "org.opencontainers.image.base.name=debian:bookworm+node-$node_version" "$ctr"
  buildah commit --quiet --rm "$ctr" "$base_image" >/dev/null
  trap - EXIT
fi

# 2. The application, built here, with production dependencies only.
if [ "${SKIP_WEB_BUILD:-0}" != 1 ]; then
  echo "== npm run build"
  npm run --silent build
fi
stage=$(mktemp -d /tmp/berth-image-stage.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/app/web"
cp -a package.json package-lock.json bin dist "$stage/app/"
cp -a web/dist "$stage/app/web/dist"
cp -a node_modules "$stage/app/node_modules"
echo "== npm prune --omit=dev"
(cd "$stage/app" && npm prune --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)
deploy/container/trim-node-modules.sh "$stage/app/node_modules"

# 3. The Dockerfile's runtime stage over both.
echo "== buildah build $image"
buildah build --quiet --layers=false --format docker \
  --build-arg NODE_IMAGE="$base_image" \
  --build-arg REVISION="$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
  --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --build-context build="$stage" \
  --target runtime -t "$image" -f Dockerfile . >/dev/null
buildah images --format '{{.Name}}:{{.Tag}} {{.Size}}' "$image"
