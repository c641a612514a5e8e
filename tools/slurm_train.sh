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
LAUNCH=(bash "$(dirname "$0")/slurm_launch.sh" "$1" "$2" train.py "$3")
shift 3
if [ $# -gt 0 ] && [[ $1 != -* ]]; then
    LAUNCH+=(--work-dir "$1")
    shift
fi
exec "${LAUNCH[@]}" "$@"
