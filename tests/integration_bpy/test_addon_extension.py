"""Build the extension zip, install it into a temporary user folder, enable it and use it (bpy 5.0 and 4.2).

Runs in a subprocess because Blender reads BLENDER_USER_RESOURCES when it starts. The stand-in backend
makes this a test of the package itself; test_addon_end_to_end.py does the same with the real backend.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.bpy]

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def build_zip(out_dir: Path) -> Path:
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "build_extension.py"), "--out", str(out_dir)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return Path(proc.stdout.strip().splitlines()[-1])


def run_scenario(zip_path: Path, workdir: Path, backend: str, *extra: str) -> dict:
    proc = subprocess.run([sys.executable, str(HERE / "extension_scenario.py"), str(zip_path), str(workdir),
                           "--backend", backend, *extra], capture_output=True, text=True, timeout=300,
                          cwd=workdir, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT "):])


def check_line(found: dict, expected_targets: int) -> None:
    assert found["fcurves"] == expected_targets
    assert all(abs(k - found["expected_keys"]) <= 1 for k in found["keys"])
    assert 0.0 <= found["min"] <= found["max"] <= 1.0
    assert found["max_error"] < 1e-4
    assert found["wav_exists"]
    if found["strips"]:
        [(_, start, length)] = found["strips"]
        assert start == 1 and abs(length - found["duration"] * 24) <= 1


def test_built_zip_installs_enables_generates_and_disables_cleanly(tmp_path):
    zip_path = build_zip(tmp_path / "dist")
    out = run_scenario(zip_path, tmp_path, "stand-in")
    assert out["enabled"]
    assert "/extensions/user_default/unitaf/" in out["addon_file"].replace("\\", "/")
    assert out["demo_result"] == ["FINISHED"] and out["cc_result"] == ["FINISHED"]
    check_line(out["demo"], 52)
    check_line(out["cc"], 6)
    assert out["cc"]["targets"] == sorted(["Jaw_Open", "Mouth_Smile_L", "Mouth_Smile_R", "Eye_Blink_L",
                                           "Eye_Blink_R", "Mouth_Pucker"])
    assert out["demo"]["wav"].startswith(str(tmp_path / "unitaf_audio"))
    if tuple(out["blender"]) >= (4, 4, 0):         # the 4.2 wheel has no audio support: no strips there
        assert len(out["demo"]["strips"]) == 1 and len(out["cc"]["strips"]) == 1
    assert out["reloaded_actions"] == sorted([out["demo"]["action"], out["cc"]["action"]])
    assert out["reload_max_error"] < 1e-4
    assert out["left_behind"] == [] and not out["scene_prop_left"]
