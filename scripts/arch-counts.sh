#!/usr/bin/env bash
# The figures of issue 22, for the working tree or for a commit:
#   bash scripts/arch-counts.sh            # now
#   bash scripts/arch-counts.sh ef2769d    # before issue 22
# Each line is `name: count`. The OpenAPI figures need a running server, so
# they are measured on the working tree only (scripts/openapi-counts.ts).
# test/architecture.test.ts holds the zeros (it runs the same greps).
set -uo pipefail
cd "$(dirname "$0")/.."
rev=${1:-}
g() { if [ -n "$rev" ]; then git grep -nE "$1" "$rev" -- "${@:2}"; else git grep -nE "$1" -- "${@:2}"; fi; }
n() { wc -l | tr -d ' '; }
# Store writes: a method that changes state, called on something named *store.
WRITE='(\.store|[sS]tore)\.(create|update|delete|add|remove|set)[A-Za-z]*\('
echo "hand-checked bodies (untyped request.body reads: cast, ?? or ?. in src/http): $(g 'request\.body (as|\?\?)|request\.body\?\.' src/http ':!*.test.ts' | n)"
echo "routes declared without a schema (src/http; /v2 dispatches through the OCI table): $(g "app\.(get|post|put|patch|delete|head)(<[^>]*>)?\('[^']*', async" src/http | n)"
echo "route modules handed a feature store (a *Store type in src/http): $(g '\b[A-Z][A-Za-z]*Store\b' src/http ':!*.test.ts' | n)"
echo "error status tables (maps from codes to statuses in src/http): $(g '^(const|export const) (STATUS|TABLE|ERROR_TABLE)\b' src/http | n)"
echo "error families (error bodies written outside src/http/shared/error-table.ts): $(g 'errors: \[\{' src/http ':!*.test.ts' ':!src/http/shared/error-table.ts' | n)"
echo "error codes falling to 500 on /api/v2.0: see test/api/error-table.test.ts (0 by construction: Record over the code union)"
echo "store writes outside services (src/http, src/cli): $(g "$WRITE" src/http src/cli | n)"
# A use case duplicated: the same store write method called from both the API and the CLI.
http_writes=$(g "$WRITE" src/http | grep -oE '\.(create|update|delete|add|remove|set)[A-Za-z]*\(' | sort -u)
cli_writes=$(g "$WRITE" src/cli | grep -oE '\.(create|update|delete|add|remove|set)[A-Za-z]*\(' | sort -u)
echo "duplicated use cases (store writes made by both src/http and src/cli): $(comm -12 <(echo "$http_writes" | grep .) <(echo "$cli_writes" | grep .) | n)"
echo "handler reach-through (registry.storage / registry.metadata in src/http): $(g 'registry\.(storage|metadata)\b' src/http | n)"
echo "instanceof KyselyStore in src: $(g 'instanceof KyselyStore' src | n)"
echo "hard-coded versions in src: $(g "'(berth-)?0\.1\.0'" src | n)"
echo "setting keys written by hand in src/server/config.ts: $(g "^  '[a-z_]+\.[a-z_.]+'|^  BERTH_[A-Z_]+: '" src/server/config.ts | n)"
optional=$(g '^  [a-zA-Z]+\?: ' src/http/api/plugin.ts | n)
if g 'FAIL_CLOSED' src/http/api/plugin.ts >/dev/null; then
  closed=$(g "^  [a-zA-Z]+: '(twin|refuse|default|hook)" src/http/api/plugin.ts | n)
else closed=0; fi
echo "optional API plugin collaborators without a fail-closed answer: $((optional - closed)) (of $optional optional)"
# Upward imports: the current rule over the revision's src/.
if [ -n "$rev" ]; then
  tmp=$(mktemp -d)
  git archive "$rev" src | tar -x -C "$tmp"
  node --import tsx scripts/upward-imports.ts "$tmp" | tail -1
  rm -rf "$tmp"
else
  node --import tsx scripts/upward-imports.ts | tail -1
  node --import tsx scripts/openapi-counts.ts
  echo "operations listed in RESPONSES_TO_DECLARE: $(sed -n '/^const RESPONSES_TO_DECLARE/,/^\]);/p' test/api/harbor-contract.test.ts | grep -c "^  '")"
fi
