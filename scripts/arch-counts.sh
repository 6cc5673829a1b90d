#!/usr/bin/env bash
# The figures of issue 22, for the working tree or for a commit:
#   bash scripts/arch-counts.sh            # now
#   bash scripts/arch-counts.sh ef2769d    # before issue 22 (grep-based figures only)
# Each line is `name: count`.
set -uo pipefail
cd "$(dirname "$0")/.."
rev=${1:-}
g() { if [ -n "$rev" ]; then git grep -nE "$1" "$rev" -- "${@:2}"; else git grep -nE "$1" -- "${@:2}"; fi; }
n() { wc -l | tr -d ' '; }
echo "hand-checked bodies (untyped request.body reads: cast, ?? or ?. in src/http): $(g 'request\.body (as|\?\?)|request\.body\?\.' src/http | n)"
echo "routes declared without a schema (src/http/api): $(g "app\.(get|post|put|patch|delete|head)(<[^>]*>)?\('[^']*', async" src/http/api | n)"
echo "error status tables (maps from codes to statuses in src/http): $(g '^(const|export const) (STATUS|TABLE|ERROR_TABLE)\b' src/http | n)"
echo "error codes falling to 500 on /api/v2.0: see test/api/error-table.test.ts (0 by construction: Record over the code union)"
echo "use cases outside a service (store writes in src/http and src/cli): $(g '(\.store|store)\.(create|update|delete|add|remove|set)[A-Za-z]*\(' src/http src/cli | n)"
echo "handlers reaching registry.storage/registry.metadata: $(g 'registry\.(storage|metadata)\.' src/http | n)"
echo "instanceof KyselyStore in src: $(g 'instanceof KyselyStore' src | n)"
echo "hard-coded versions in src: $(g "'(berth-)?0\.1\.0'" src | n)"
echo "setting keys written by hand in src/server/config.ts: $(g "^  '[a-z_]+\.[a-z_.]+'|^  BERTH_[A-Z_]+: '" src/server/config.ts | n)"
echo "optional collaborators in ApiOptions: $(g '^  [a-zA-Z]+\?: ' src/http/api/plugin.ts | n) (absent now = 501 NOT_ENABLED twin or refuse-all authorizer)"
if [ -z "$rev" ]; then
  echo "$(node --import tsx scripts/upward-imports.ts | tail -1)"
fi
