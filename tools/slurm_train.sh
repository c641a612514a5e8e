#!/usr/bin/env bash
# Train on a Slurm cluster (MMSegmentation style):
#   [GPUS=16] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS=...] \
#     bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG [WORK_DIR] [ARGS]
# One task per GPU. On CPU-only partitions set GRES= (empty): GPUS then counts CPU processes
# and they talk over gloo. ARGS go to tools/train.py (e.g. --resume, --cfg-options ...).
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG [WORK_DIR] [ARGS]" >&2
    exit 2
fi
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
shift 3
WORK_ARGS=()
if [ $# -gt 0 ] && [[ $1 != -* ]]; then
    WORK_ARGS=(--work-dir "$1")
    shift
fi
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
    $SRUN_ARGS python -u tools/train.py "$CONFIG" "${WORK_ARGS[@]}" --launcher slurm "$@"
