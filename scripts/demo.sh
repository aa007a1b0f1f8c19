#!/usr/bin/env bash
# Set up (idempotent) and run the main job on the built-in defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --main-only
.venv/bin/unitaf speak "Hello there! It's good to see you again. Shall we begin?" --emotion happy:0.7 --out demo
