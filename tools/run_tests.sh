#!/usr/bin/env bash
# Set up and run the test suite: bash tools/run_tests.sh [PYTEST ARGS]
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -r requirements.txt
# OpenAI's dall_e package is the reference the DALL-E loader is tested against; its declared
# dependencies (mypy, pytest, blobfile) are not needed at run time, hence --no-deps.
python -m pip install -q --no-deps dall-e==0.1
# The corruption library of the robustness tests: imagecorruptions-imaug declares opencv-python,
# which must not go over our OpenCV, so its imported dependencies come from
# requirements/robustness.txt and the library itself with --no-deps.
python -m pip install -q -r requirements/robustness.txt
python -m pip install -q --no-deps imagecorruptions-imaug==1.1.5
# scikit-learn for the open-set metrics (requirements/open_set.txt).
python -m pip install -q -r requirements/open_set.txt
python -m pip install -q -e .
python -m pytest tests -q -p no:cacheprovider "$@"
