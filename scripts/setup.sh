#!/usr/bin/env bash
# Idempotent set-up of every environment the project needs.
#   .venv          backend + dev tools + real bpy 5.0.1 (torch and bpy in one process)
#   .venv-bpy42    bpy 4.2 LTS, for the add-on's integration tests on the oldest supported Blender
#   .venv-fakebpy  fake-bpy-module 5.0, for the add-on's unit tests and mypy
# Each environment is rebuilt only when the files that define it change (a stamp holds their hash).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${UNITAF_PYTHON:-}
if [ -z "$PYTHON" ]; then
  for cand in python3.11 python3; do
    if command -v "$cand" >/dev/null && "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PYTHON=$cand; break
    fi
  done
fi
[ -n "$PYTHON" ] || { echo "setup: Python 3.11 is required (the bpy wheels are built for it)"; exit 1; }

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

ensure_venv() {  # name, stamp, install-function
  local dir=$1 want=$2 fn=$3
  if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$want" ]; then return 0; fi
  echo "setup: building $dir ..."
  [ -x "$dir/bin/python" ] || "$PYTHON" -m venv "$dir"
  "$dir/bin/python" -m pip install -q --upgrade pip
  "$fn" "$dir"
  echo "$want" > "$dir/.stamp"
}

install_main() {
  # torch first, pinned, so the CPU build on disk is taken and no resolver pulls the CUDA one.
  "$1/bin/python" -m pip install -q torch==2.13.0
  "$1/bin/python" -m pip install -q -e ".[dev]"
}
install_bpy42() {
  "$1/bin/python" -m pip install -q -r requirements/bpy42.txt
}
install_fakebpy() {
  "$1/bin/python" -m pip install -q -r requirements/fakebpy.txt
}

ensure_venv .venv "$(stamp_of pyproject.toml)" install_main
if [ "${1:-}" != "--main-only" ]; then
  ensure_venv .venv-bpy42 "$(stamp_of requirements/bpy42.txt)" install_bpy42
  ensure_venv .venv-fakebpy "$(stamp_of requirements/fakebpy.txt)" install_fakebpy
fi
