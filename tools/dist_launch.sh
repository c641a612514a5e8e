#!/usr/bin/env bash
# What dist_train.sh and dist_test.sh share: bash tools/dist_launch.sh TOOL GPUS ARGS...
# starts GPUS processes per node of tools/TOOL with ARGS and --launcher pytorch.
# NNODES, NODE_RANK, MASTER_ADDR, PORT for several nodes; without GPUs the processes run on the
# CPU and talk over gloo.
set -e
TOOL=$1
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
    "$ROOT/tools/$TOOL" \
    "${@:3}" \
    --launcher pytorch
