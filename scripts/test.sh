#!/usr/bin/env bash
# Set up (idempotent) and run the whole test suite:
#   1. backend, service and add-on integration tests with the real bpy 5.0.1   (.venv)
#   2. add-on unit tests and mypy against fake-bpy-module 5.0                  (.venv-fakebpy)
#   3. add-on integration tests with the real bpy 4.2 LTS                      (.venv-bpy42)
# Extra arguments go to the first pytest run (e.g. -k speech, -x).
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh || exit 1
status=0
run() { echo "+ $*"; "$@" || status=1; }
run .venv/bin/python -m pytest tests --ignore=tests/addon_unit "$@"
run .venv-fakebpy/bin/python -m pytest tests/addon_unit
run .venv-fakebpy/bin/python -m mypy --config-file mypy.ini unitaf_blender
if [ -d tests/integration_bpy ]; then
  run .venv-bpy42/bin/python -m pytest tests/integration_bpy
fi
[ $status -eq 0 ] && echo "all test suites passed" || echo "some test suite failed"
exit $status
