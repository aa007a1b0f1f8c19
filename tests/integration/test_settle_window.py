"""Adding a line re-writes only it and its two neighbours (blender/lines.settle with `around`): a scene
built line by line that way is exactly the scene a full settle of every line gives (close lines sharing
ramps, interruptions, overlaps, and against idle motion)."""

from __future__ import annotations

import json

import pytest
from test_batch import BUILD_SCENE, REPO, run_batch, run_py

pytestmark = [pytest.mark.bpy, pytest.mark.slow]

RESETTLE = r"""
import json, sys, bpy
sys.path.insert(0, sys.argv[-2])
from unitaf_blender.blender import lines
from unitaf_blender.blender.writer import fcurves_of, read_keys
bpy.ops.wm.open_mainfile(filepath=sys.argv[-1])
fps = bpy.context.scene.render.fps

def state():
    out = {}
    for obj in bpy.data.objects:
        if obj.type != "MESH" or obj.data.shape_keys is None or obj.data.shape_keys.animation_data is None:
            continue
        for line in lines.lines_of(obj):
            s = line.track.strips[0]
            keys = [[fc.data_path] + [round(float(x), 6) for a in read_keys(fc) for x in a]
                    for fc in fcurves_of(line.action)]
            out[line.line_id] = [s.frame_start, s.frame_end, s.blend_in, s.blend_out, s.extrapolation, keys]
    return out

before = state()
for obj in bpy.data.objects:
    if obj.type == "MESH" and obj.data.shape_keys is not None and obj.data.shape_keys.animation_data:
        lines.settle(obj, fps)
after = state()
print("JSON" + json.dumps({"n": len(before), "same": before == after,
                           "diff": [k for k in before if before[k] != after.get(k)]}))
"""


@pytest.mark.parametrize("idle", [False, True])
def test_settling_around_each_new_line_equals_settling_every_line(tmp_path, idle):
    scene = tmp_path / "scene.blend"
    assert run_py(BUILD_SCENE, str(REPO), str(scene)).returncode == 0
    rows = ["id,object,start,overlap,after,text,emotion",
            "a,Alice,1,,,Good morning Bob.,happy",
            "b,Bob,,,a-6,Morning. Did you sleep?,",
            "c,Alice,,,b+1,Not really.,sad",
            "d,Alice,,,c+2,I kept hearing things.,afraid",
            "e,Bob,,d+4,,What things?,surprised",
            "f,Alice,,,e-3,Steps. On the stairs.,",
            "g,Alice,,,f+1,Then nothing.,calm",
            "h,Bob,,,g+30,It is an old house.,",
            "i,Alice,,,h-8,Stop saying that.,angry"]
    (tmp_path / "lines.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "out.blend"
    extra = ["--idle", "all"] if idle else []
    proc = run_batch(str(scene), "--dialogue", str(tmp_path / "lines.csv"), "--save", str(out), "--mode", "rules",
                     "--backend", "inprocess", *extra)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    proc = run_py(RESETTLE, str(REPO), str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout.split("JSON", 1)[1])
    assert got["n"] == 9
    assert got["same"], got["diff"]
