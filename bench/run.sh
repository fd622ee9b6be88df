#!/usr/bin/env bash
# Runs every benchmark (bench/bench_*.py) in turn; each prints its own figures.
set -euo pipefail
cd "$(dirname "$0")/.."
for b in bench/bench_*.py; do
  echo "== $b"
  .venv/bin/python "$b" "$@"
done
