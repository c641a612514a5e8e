#!/usr/bin/env bash
# What slurm_train.sh and slurm_test.sh share: bash tools/slurm_launch.sh PARTITION JOB_NAME TOOL
# ARGS... runs tools/TOOL ARGS --launcher slurm as one Slurm task per GPU.
# [GPUS] [GPUS_PER_NODE] [CPUS_PER_TASK=5] [SRUN_ARGS] [GRES]: on CPU-only partitions set GRES=
# (empty); GPUS then counts CPU processes and they talk over gloo.
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
TOOL=$3
shift 3
GPUS=${GPUS:-4}
GPUS_PER_NODE=${GPUS_PER_NODE:-$(( GPUS < 8 ? GPUS : 8 ))}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
GRES=${GRES-gpu:${GPUS_PER_NODE}}
SRUN_ARGS=${SRUN_ARGS:-""}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
GRES_ARGS=()
[ -n "$GRES" ] && GRES_ARGS=(--gres="$GRES")
cd "$ROOT"
PYTHONPATH="$ROOT:${PYTHONPATH:-}" \
srun -p "$PARTITION" --job-name="$JOB_NAME" "${GRES_ARGS[@]}" --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" --cpus-per-task="$CPUS_PER_TASK" --kill-on-bad-exit=1 \
    $SRUN_ARGS python -u "tools/$TOOL" "$@" --launcher slurm
