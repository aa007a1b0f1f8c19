#!/usr/bin/env python3
"""Build the Blender extension zip in one command and validate it with Blender's own extension tool.

    .venv/bin/python scripts/build_extension.py            # -> dist/unitaf-<version>.zip

Assembles a staging folder (dist/extension/): the add-on's files (`unitaf_blender/`, without caches) and
`blender_manifest.toml` at its root, plus the reference head's files from
`backend/unitaf_backend/data/head/` in `data/`. Then runs `blender_ext.py build` and `validate` from the
bpy wheel (`bpy/<version>/scripts/addons_core/bl_pkg/cli/blender_ext.py`), found through the bpy
installed in this Python or in the repository's .venv / .venv-bpy42, or given with --blender-ext.
Exit status 0 and the zip's path on the last line when the package is valid.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import os
import shutil
import subprocess
import sys
import tomllib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDON_DIR = os.path.join(REPO, "unitaf_blender")
MANIFEST = os.path.join(REPO, "blender_manifest.toml")
HEAD_DIR = os.path.join(REPO, "backend", "unitaf_backend", "data", "head")
TOOL_GLOB = os.path.join("*", "scripts", "addons_core", "bl_pkg", "cli", "blender_ext.py")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache", "data")


def find_blender_ext() -> str:
    """blender_ext.py from a bpy wheel: this Python's, else the repository's environments."""
    roots = []
    spec = importlib.util.find_spec("bpy")
    if spec is not None and spec.origin:
        roots.append(os.path.dirname(spec.origin))
    roots += glob.glob(os.path.join(REPO, ".venv*", "lib", "python3*", "site-packages", "bpy"))
    for root in roots:
        found = sorted(glob.glob(os.path.join(root, TOOL_GLOB)))
        if found:
            return found[-1]
    raise SystemExit("build_extension: Blender's extension tool (blender_ext.py) was not found; install the "
                     "bpy wheel (./scripts/setup.sh) or pass --blender-ext PATH")


def head_files() -> list[str]:
    """The head files the add-on loads (names from unitaf_blender.core.head_data), which must exist."""
    sys.path.insert(0, REPO)
    try:
        from unitaf_blender.core.head_data import HEAD_FILES
    finally:
        sys.path.pop(0)
    missing = [n for n in HEAD_FILES if not os.path.isfile(os.path.join(HEAD_DIR, n))]
    if missing:
        raise SystemExit(f"build_extension: missing in {HEAD_DIR}: {', '.join(missing)} "
                         "(build the head first: see docs/head.md)")
    return [os.path.join(HEAD_DIR, n) for n in HEAD_FILES]


def stage(stage_dir: str) -> None:
    if os.path.exists(stage_dir):
        shutil.rmtree(stage_dir)
    shutil.copytree(ADDON_DIR, stage_dir, ignore=SKIP)
    shutil.copy2(MANIFEST, os.path.join(stage_dir, "blender_manifest.toml"))
    data_dir = os.path.join(stage_dir, "data")
    os.makedirs(data_dir)
    for path in head_files():
        shutil.copy2(path, data_dir)


def run_tool(tool: str, *args: str) -> None:
    proc = subprocess.run([sys.executable, tool, *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"build_extension: blender_ext.py {args[0]} failed")


def build(out_dir: str, tool: str) -> str:
    with open(MANIFEST, "rb") as f:
        manifest = tomllib.load(f)
    zip_path = os.path.join(out_dir, f"{manifest['id']}-{manifest['version']}.zip")
    stage_dir = os.path.join(out_dir, "extension")
    os.makedirs(out_dir, exist_ok=True)
    stage(stage_dir)
    if os.path.exists(zip_path):
        os.remove(zip_path)      # our own build output, rebuilt from sources every time
    run_tool(tool, "validate", stage_dir)
    run_tool(tool, "build", "--source-dir", stage_dir, "--output-filepath", zip_path)
    run_tool(tool, "validate", zip_path)
    return zip_path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=os.path.join(REPO, "dist"), help="output folder (default: dist/)")
    p.add_argument("--blender-ext", help="path of blender_ext.py (default: found in the bpy wheel)")
    args = p.parse_args(argv)
    zip_path = build(os.path.abspath(args.out), args.blender_ext or find_blender_ext())
    print(zip_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
