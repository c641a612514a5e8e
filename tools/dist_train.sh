#!/usr/bin/env bash
# Distributed training: bash tools/dist_train.sh CONFIG GPUS [ARGS...]
# GPUS processes per node; NNODES, NODE_RANK, MASTER_ADDR, PORT for several nodes.
# Without GPUs it starts GPUS CPU processes that talk over gloo.
set -e
if [ $# -lt 2 ]; then
    echo "usage: bash $0 CONFIG GPUS [ARGS...]" >&2
    exit 2
fi
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

PYTHONPATH="$ROOT:$PYTHONPATH" \
python -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$ROOT/tools/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
