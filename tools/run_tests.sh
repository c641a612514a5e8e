#!/usr/bin/env bash
# Set up and run the test suite: bash tools/run_tests.sh [PYTEST ARGS]
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -r requirements.txt
python -m pip install -q -e .
python -m pytest tests -q -p no:cacheprovider "$@"
