#!/usr/bin/env bash
# The machine's ceiling for any Node server: node:http answering a 397-byte body from memory, wrk -t2 -c64 5 s.
set -euo pipefail
. "$(dirname "$0")/common.sh"
node -e "
const body = Buffer.alloc(397, 97);
require('node:http').createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}).listen($PORT, '127.0.0.1');" &
PID=$!
trap 'kill $PID 2>/dev/null; true' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "$B/" && break; sleep 0.05; done
wrk -t2 -c64 -d5s --latency "$B/" | grep -E "Requests/sec|99%"
