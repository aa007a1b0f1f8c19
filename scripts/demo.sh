#!/usr/bin/env bash
# Set up (idempotent) and run the main job on the built-in defaults: a scene with the demo head speaking
# three lines with different emotions -> demo/demo.blend (+ demo/unitaf_audio/*.wav) and demo/preview.png.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --main-only
.venv/bin/python unitaf_blender/demo.py "$@"
