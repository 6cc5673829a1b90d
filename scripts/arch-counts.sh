#!/usr/bin/env bash
# The figures of issue 22 (docs/architecture.md, "Figures"): run before and
# after a refactor and compare. Each line is `name: count`.
set -uo pipefail
cd "$(dirname "$0")/.."
n() { wc -l | tr -d ' '; }
echo "hand-checked bodies (request.body read in src/http): $(grep -rn 'request\.body' src/http | n)"
echo "routes without a schema (app.<verb>( with no schema:, src/http/api): $(grep -rnE "app\.(get|post|put|patch|delete)\('" src/http/api | grep -v 'schema' | n)"
echo "error families (classes extending Error + wire-body builders in src/http): $(grep -rnE 'class \w+ extends Error' src | n) classes, $(grep -rnE 'function (apiErrorBody|errorBody|\w*ErrorBody)' src/http | n) body builders"
echo "use cases outside a service (store writes in src/http and src/cli): $(grep -rnE '\.store\.(create|update|delete|add|remove|set)\w*\(|store\.(create|update|delete|add|remove|set)\w*\(' src/http src/cli | n)"
echo "handlers reaching registry.storage/registry.metadata: $(grep -rnE 'registry\.(storage|metadata)\.' src/http | n)"
echo "$(node --import tsx scripts/upward-imports.ts | tail -1)"
echo "instanceof KyselyStore: $(grep -rn 'instanceof KyselyStore' src | n)"
echo "optional collaborators in ApiOptions: $(sed -n '/^export interface ApiOptions/,/^}/p' src/http/api/plugin.ts | grep -cE '^\s+\w+\?:')"
echo "hard-coded versions: $(grep -rnE "'(berth-)?0\.1\.0'" src | n)"
echo "config lists in src/server/config.ts (interfaces/defaults/ENUMS/OPTIONAL_STRINGS/ENV_KEYS): $(grep -cE '^(export )?(interface \w+Config|function defaults|const ENUMS|const OPTIONAL_STRINGS|export const ENV_KEYS)' src/server/config.ts)"
