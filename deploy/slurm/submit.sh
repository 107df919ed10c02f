#!/bin/bash
# Submits a sharded stratex batch to Slurm: a job array with one shard per task, then a merge
# job that starts when every shard has succeeded. Prints the two job ids.
#
#   deploy/slurm/submit.sh SCENARIO SHARDS RUNS RESULTS [SEED]
#
# Environment: STRATEX (the stratex binary; default: target/release/stratex of this checkout),
# CPUS (CPUs per shard; default 2), BRIEF=1 (draw the briefing after merging), and anything
# sbatch reads (SBATCH_PARTITION, SBATCH_ACCOUNT, SBATCH_TIMELIMIT, ...).
set -euo pipefail

if [ $# -lt 4 ]; then
    sed -n '2,10p' "$0" >&2
    exit 2
fi
here="$(cd "$(dirname "$0")" && pwd)"
abs() { (cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")"); }
SCENARIO="$(abs "$1")"
SHARDS="$2"
RUNS="$3"
mkdir -p "$4"
RESULTS="$(cd "$4" && pwd)"
STRATEX="$(abs "${STRATEX:-$here/../../target/release/stratex}")"
CPUS="${CPUS:-2}"
if [ ! -x "$STRATEX" ]; then
    echo "error: $STRATEX is not an executable; build it with cargo build --release or set STRATEX" >&2
    exit 2
fi
# The seed defaults to the scenario's, so the merged result equals `stratex run SCENARIO --runs RUNS`.
SEED="${5:-$("$STRATEX" validate "$SCENARIO" | sed -n 's/.*runs and seed \([0-9]*\) by default.*/\1/p')}"
if [ -z "$SEED" ]; then
    echo "error: could not read the default seed of $SCENARIO; give SEED as the fifth argument" >&2
    exit 2
fi
mkdir -p "$RESULTS/logs"
export STRATEX SCENARIO RUNS SEED SHARDS RESULTS BRIEF="${BRIEF:-0}"

array=$(sbatch --parsable --array="1-$SHARDS" --cpus-per-task="$CPUS" \
    --output="$RESULTS/logs/shard-%a.log" --export=ALL "$here/shard.sbatch")
array="${array%%;*}"
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes \
    --output="$RESULTS/logs/merge.log" --export=ALL "$here/merge.sbatch")
merge="${merge%%;*}"
echo "array job $array ($SHARDS shards of $RUNS runs, seed $SEED), merge job $merge"
echo "results: $RESULTS/merged (logs in $RESULTS/logs)"
echo "$array $merge" > "$RESULTS/jobs"
