#!/usr/bin/env bash
# Runs every test file (test/**, src/**) with node's test runner through tsx.
# Pass file paths to run only those.
set -euo pipefail
shopt -s globstar nullglob
cd "$(dirname "$0")/.."
npm run --silent build
if [ $# -gt 0 ]; then files=("$@"); else files=(test/**/*.test.ts src/**/*.test.ts); fi
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-reporter=spec "${files[@]}"
