#!/usr/bin/env bash
# Whole-process benchmarks, side by side with the AWS CLI recipe, then the criterion benches.
# Usage: bash scripts/bench.sh [list|decode|network|memory|version|tui|tui100k|tui100k-filter ...]
# (tui100k-filter, about 6 minutes, runs only when named)
# Needs the AWS CLI, jq and tmux (installed here when absent, as .ci/run does).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v aws >/dev/null || python3 -m pip install --quiet awscli
command -v jq >/dev/null || (apt-get update -qq && apt-get install -y -qq jq >/dev/null)
command -v tmux >/dev/null || (apt-get update -qq && apt-get install -y -qq tmux >/dev/null)
cargo build --release --locked
python3 scripts/bench.py "$@"
if [ "$#" -eq 0 ]; then
  cargo bench --locked --bench diagnosis --bench render -- --noplot 2>&1 | grep -E "^[a-z_0-9/]+\s*$|time:|thrpt:|context tree"
fi
