#!/usr/bin/env bash
# A/B of two builds on one probe, alternating runs: ab.sh DIR_A DIR_B [runs] [probe]; prints each run and the medians.
# Each DIR is a checkout or a copy holding bin/berth.js and dist/ (a copy of dist/ patched by hand works).
set -euo pipefail
A=$1 B=$2 N=${3:-5} PROBE=${4:-anon-get.sh}
here=$(dirname "$0")
ra=() rb=()
for i in $(seq 1 "$N"); do
  a=$(ROOT=$A SECONDS_=${SECONDS_:-6} bash "$here/$PROBE" | awk '/Requests\/sec/{print int($2)}')
  b=$(ROOT=$B SECONDS_=${SECONDS_:-6} bash "$here/$PROBE" | awk '/Requests\/sec/{print int($2)}')
  echo "run $i: A $a req/s, B $b req/s"
  ra+=("$a") rb+=("$b")
done
med() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }
echo "median: A $(med "${ra[@]}") req/s, B $(med "${rb[@]}") req/s"
