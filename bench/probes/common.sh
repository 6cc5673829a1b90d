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
