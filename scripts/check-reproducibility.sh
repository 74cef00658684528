#!/usr/bin/env bash
# The GRPO issue's reproducibility check, on the built CLI: two runs with one seed must write identical
# metrics.jsonl, and a run killed with SIGKILL after a checkpoint and continued with --resume must end
# with the same metrics.jsonl. Exit 1 when either differs.
#   npm run check:reproducibility [-- STEPS]   (default 40 steps; a run takes about a minute on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-40}
every=10
[ "$steps" -gt $((2 * every)) ] || { echo "steps must exceed $((2 * every))" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
train() { node bin/rlvr.js train --algo grpo --task arith --steps "$steps" --seed 1 --checkpoint-every $every "$@" >/dev/null; }

t0=$(date +%s)
train --out "$work/A" 2>"$work/A.err"
t1=$(date +%s)
train --out "$work/B" 2>"$work/B.err"
cmp "$work/A/metrics.jsonl" "$work/B/metrics.jsonl"
echo "same seed: A and B metrics.jsonl identical ($(wc -l <"$work/A/metrics.jsonl") lines; one run $((t1 - t0)) s)"

train --out "$work/K" 2>"$work/K.err" &
pid=$!
until [ -f "$work/K/checkpoints/step-$((2 * every))/trainer_state.json" ]; do sleep 0.5; done
sleep 3
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
echo "SIGKILL after $(wc -l <"$work/K/metrics.jsonl") metrics lines; checkpoints: $(ls "$work/K/checkpoints" | tr '\n' ' ')"
node bin/rlvr.js train --resume "$work/K" --steps "$steps" >/dev/null 2>"$work/K-resume.err"
cmp "$work/A/metrics.jsonl" "$work/K/metrics.jsonl"
echo "killed and resumed: metrics.jsonl identical to the uninterrupted run"
