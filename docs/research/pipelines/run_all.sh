#!/bin/sh
# Reproduce every observation in README.md (about 30 s after the venv exists; no cargo).
# Usage: sh docs/research/pipelines/run_all.sh [SCRATCH=/tmp/kfpr] [VENV=/tmp/kfpvenv]
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
S=${1:-/tmp/kfpr}
V=${2:-/tmp/kfpvenv}
[ -x "$V/bin/python" ] || { python3 -m venv "$V" && "$V/bin/pip" install -q kfp==2.17.3; }
mkdir -p "$S/ir"
export TMPDIR="$S/tmp"; mkdir -p "$TMPDIR"    # kfp.local leaks one mktemp -d per task here
"$V/bin/python" "$HERE/kfp_ir_examples.py" "$S/ir"                       # 1. IR examples
"$V/bin/python" "$HERE/kfp_ir_other_features.py" "$S/ir/other.yaml"
"$V/bin/python" -c "import sys; sys.path.insert(0, '/work/shared/bench'); import kfp_ten_tasks as b; \
from kfp import compiler; compiler.Compiler().compile(b.baseline, '$S/ir/bench.yaml')"
"$V/bin/python" "$HERE/kfp_cel_cases.py" > "$S/cel.md"                    # 4. CEL table
"$V/bin/python" "$HERE/kfp_retry_durations.py" > "$S/retry.txt" 2>&1 || true
rm -rf "$S/byhand"                                                        # 2. one task by hand
"$V/bin/python" "$HERE/run_task_by_hand.py" "$S/ir/artifacts.yaml" "$S/byhand" "$V/bin" > "$S/byhand.txt"
rm -rf "$S/local"                                                         # 3. bench under kfp.local
"$V/bin/python" "$HERE/run_kfp_local.py" /work/shared/bench/kfp_ten_tasks.py baseline "$S/local" 7 \
  > "$S/bench_local.txt" 2> "$S/bench_local.err"
rm -rf "$S/cond_root"                                                     # 3. kfp.local conditions
"$V/bin/python" "$HERE/kfp_local_conditions.py" "$S/cond_root" > "$S/cond.txt" 2> "$S/cond.err"
tail -1 "$S/bench_local.txt" | cut -c1-300
cat "$S/cond.txt"
