#!/usr/bin/env bash
# Set up and run the main job (GSS-FF on the built-in toy scenes), from a fresh clone:
#   bash tools/quickstart.sh [CONFIG]
# installs the stack, generates the dataset, trains, evaluates, prints mIoU and where outputs are.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
CONFIG=${1:-configs/gss/toy/gss-ff_effnet-lite0_1k_toy-128x128.py}
NAME=$(basename "$CONFIG" .py)
WORK_DIR=${WORK_DIR:-work_dirs/$NAME}

start=$(date +%s)
python -m pip install -q -r requirements.txt
python -m pip install -q -e .
setup_s=$(( $(date +%s) - start ))

[ -d data/toy_scenes/img_dir ] || python tools/generate_toy_dataset.py data/toy_scenes
python tools/train.py "$CONFIG" --work-dir "$WORK_DIR"
CKPT="$(cat "$WORK_DIR/last_checkpoint")"
python tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK_DIR/test" --eval mIoU \
    2>&1 | tee "$WORK_DIR/test.log"
total_s=$(( $(date +%s) - start ))

MIOU=$(grep -o 'mIoU: [0-9.]*' "$WORK_DIR/test.log" | tail -1)
echo
echo "== quickstart: $NAME"
echo "   $MIOU on the toy scenes val split"
echo "   checkpoint: $CKPT"
echo "   logs: $WORK_DIR (training), $WORK_DIR/test (evaluation)"
echo "   setup ${setup_s}s, total ${total_s}s"
