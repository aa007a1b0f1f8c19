"""The newcomer's demo end to end, at thumbnail size: scene, three lines, demo.blend and preview.png."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.bpy, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]

INSPECT = r"""
import os, sys, bpy
bpy.ops.wm.open_mainfile(filepath=sys.argv[-1])
scene = bpy.context.scene
head = bpy.data.objects["DemoHead"]
tracks = head.data.shape_keys.animation_data.nla_tracks
strips = [s for t in tracks for s in t.strips]
sounds = [s for s in scene.sequence_editor.strips_all if s.type == "SOUND"]
assert scene.camera is not None and any(o.type == "LIGHT" for o in scene.objects)
assert len(strips) == 3 and len(sounds) == 3, (len(strips), len(sounds))
# every line plays at its frames (its own keys are what the face shows), one after the other
jaw = head.data.shape_keys.key_blocks["jawOpen"]
starts = sorted(int(s.action["unitaf_start_frame"]) for s in strips)
assert starts[0] < starts[1] < starts[2]
for s in strips:
    curve = [c for c in s.action.layers[0].strips[0].channelbags[0].fcurves if '"jawOpen"' in c.data_path][0]
    a, n = int(s.action["unitaf_start_frame"]), int(s.action["unitaf_body_keys"])
    for f in range(a, a + n, 3):
        scene.frame_set(f)
        assert abs(jaw.value - curve.evaluate(f)) < 1e-4, (s.action.name, f)
for s in sounds:
    assert s.sound.filepath.startswith("//"), s.sound.filepath
    assert os.path.isfile(bpy.path.abspath(s.sound.filepath))
print("OK", scene.frame_end)
"""


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_demo_builds_saves_and_renders(tmp_path):
    out = tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, str(REPO / "unitaf_blender" / "demo.py"), "--out", str(out), "--columns", "2",
         "--size", "48", "--samples", "1", "--mode", "rules"],
        check=False, capture_output=True, text=True, timeout=600, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (out / "demo.blend").is_file() and (out / "preview.png").is_file()
    assert f"scene:    {out / 'demo.blend'}" in proc.stdout
    assert f"preview:  {out / 'preview.png'}" in proc.stdout
    w, h = png_size(out / "preview.png")
    assert w == 2 * (48 + 4) + 4 and h == 4 * (round(48 * 1.15) + 4) + 4     # 3 lines + the gaps, x 2 frames
    check = subprocess.run([sys.executable, "-c", INSPECT, str(out / "demo.blend")], check=False,
                           capture_output=True, text=True, timeout=300)
    assert check.returncode == 0 and "OK" in check.stdout, check.stdout[-2000:] + check.stderr[-2000:]
