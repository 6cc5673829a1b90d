#!/bin/sh
# Removes from a production node_modules what Node never loads at run time:
# source maps, TypeScript sources and declarations, docs, and the sources and
# object files of native modules (their .node binary stays). Saves ~75 MB,
# most of it @kubernetes/client-node's maps and declarations.
set -eu
dir=${1:?usage: trim-node-modules.sh NODE_MODULES_DIR}
find "$dir" -type f \( -name '*.map' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.md' \
  -o -name '*.markdown' -o -name 'CHANGELOG*' -o -name '*.tsbuildinfo' \) -delete
rm -rf "$dir/.package-lock.json" "$dir/better-sqlite3/deps" "$dir/better-sqlite3/src" \
  "$dir/better-sqlite3/build/Release/obj" "$dir/better-sqlite3/build/Release/obj.target" \
  "$dir/better-sqlite3/build/Release/.deps" "$dir/better-sqlite3/build/deps" \
  "$dir/better-sqlite3/build/Release/sqlite3.a" "$dir/better-sqlite3/build/Release/test_extension.node"
find "$dir" -type d -empty -delete
