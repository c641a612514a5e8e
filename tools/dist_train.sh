#!/usr/bin/env bash
# Distributed training: bash tools/dist_train.sh CONFIG GPUS [ARGS...]
# GPUS processes per node; NNODES, NODE_RANK, MASTER_ADDR, PORT for several nodes.
# Without GPUs it starts GPUS CPU processes that talk over gloo.
if [ $# -lt 2 ]; then
    echo "usage: bash $0 CONFIG GPUS [ARGS...]" >&2
    exit 2
fi
exec bash "$(dirname "$0")/dist_launch.sh" train.py "$2" "$1" "${@:3}"
