"""End to end with the real backend: the installed extension speaks a line onto the demo head and a
Character Creator mesh. Under bpy 5.0 (.venv) the backend runs in-process; under bpy 4.2 (.venv-bpy42,
where unitaf_backend is not importable) the add-on starts `unitaf serve` with the repository's
.venv/bin/python and talks HTTP to it, as a Blender install would.
"""

from __future__ import annotations

import importlib.util

import pytest
from test_addon_extension import REPO, build_zip, check_line, run_scenario

pytestmark = [pytest.mark.bpy, pytest.mark.slow]

BACKEND_PYTHON = REPO / ".venv" / "bin" / "python"


def test_real_backend_line_on_demo_head_and_cc_mesh(tmp_path):
    if importlib.util.find_spec("unitaf_backend") is None and not BACKEND_PYTHON.exists():
        pytest.fail(f"neither unitaf_backend nor {BACKEND_PYTHON} is available: run ./scripts/setup.sh")
    zip_path = build_zip(tmp_path / "dist")
    out = run_scenario(zip_path, tmp_path, "real", "--backend-python", str(BACKEND_PYTHON))
    expected_kind = "auto" if importlib.util.find_spec("unitaf_backend") is not None else "http"
    assert out["backend_kind"] == expected_kind
    assert out["demo_result"] == ["FINISHED"] and out["cc_result"] == ["FINISHED"]
    check_line(out["demo"], 52)
    check_line(out["cc"], 6)
    assert out["demo"]["duration"] > 0.5           # a real spoken sentence, not an empty clip
    assert out["reload_max_error"] < 1e-4          # saved, reopened, evaluated against the backend's weights
    assert out["left_behind"] == [] and not out["scene_prop_left"]
