"""create_reference_head and frame_face_camera in Blender 5.0 (the .venv's bpy) and 4.2 LTS (.venv-bpy42).

Each Blender runs a small script in its own process; the script prints one JSON line of facts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from unitaf_backend.channels import ARKIT_CHANNELS
from unitaf_backend.head import load_reference_head

pytestmark = pytest.mark.bpy

REPO = Path(__file__).resolve().parents[2]
PYTHONS = {"bpy-5.0": Path(sys.executable), "bpy-4.2": REPO / ".venv-bpy42" / "bin" / "python"}

SCRIPT = r"""
import json, sys
import bpy
import numpy as np
sys.path.insert(0, sys.argv[1])
from unitaf_blender.blender.head import create_reference_head, frame_face_camera
bpy.ops.wm.read_factory_settings(use_empty=True)
scene = bpy.context.scene
user_mesh = bpy.data.meshes.new("UniTAF Head")          # a name clash the head must not touch
head = create_reference_head(scene, location=(1.0, 2.0, 3.0))
second = create_reference_head(bpy.context)
camera = frame_face_camera(scene, head)
keys = head.data.shape_keys.key_blocks
co = np.empty(len(head.data.vertices) * 3, dtype=np.float32)
keys["jawOpen"].data.foreach_get("co", co)
basis = np.empty_like(co)
keys["Basis"].data.foreach_get("co", basis)
print(json.dumps({
    "version": list(bpy.app.version),
    "names": [k.name for k in keys],
    "values": [k.value for k in keys],
    "vertices": len(head.data.vertices),
    "polygons": len(head.data.polygons),
    "materials": [m.name for m in head.data.materials],
    "uv_layers": len(head.data.uv_layers),
    "attributes": sorted(a.name for a in head.data.attributes if a.name.startswith("unitaf_")),
    "location": list(head.location),
    "names_of_heads": [head.name, second.name],
    "user_mesh_users": user_mesh.users,
    "jaw_open_offset_max": float(np.abs(co - basis).max()),
    "jaw_open_chin_dz": float((co - basis).reshape(-1, 3)[:, 2].min()),
    "camera_is_scene_camera": scene.camera == camera,
    "camera_y": camera.location.y - head.location.y,
    "lights": sorted(o.name for o in scene.objects if o.type == "LIGHT"),
    "world": scene.world is not None,
}))
"""


@pytest.mark.parametrize("which", list(PYTHONS))
def test_head_in_blender(which):
    python = PYTHONS[which]
    if not python.exists():
        pytest.skip(f"{python} is not set up (scripts/setup.sh makes it)")
    run = subprocess.run([str(python), "-c", SCRIPT, str(REPO)], capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    facts = json.loads(run.stdout.strip().splitlines()[-1])
    ref = load_reference_head()
    assert facts["version"][0] == (5 if which == "bpy-5.0" else 4)
    assert facts["names"] == ["Basis", *ARKIT_CHANNELS]
    assert facts["values"] == [0.0] * 53          # 5.0 would start new keys at 1.0
    assert facts["vertices"] == ref.vertex_count and facts["polygons"] == len(ref.faces)
    assert len(facts["materials"]) == 5 and facts["uv_layers"] == 1
    assert facts["attributes"] == ["unitaf_lips", "unitaf_mouth_inside", "unitaf_rest"]
    assert facts["location"] == [1.0, 2.0, 3.0]
    assert facts["names_of_heads"][0] != facts["names_of_heads"][1]
    assert facts["user_mesh_users"] == 0              # the user's datablock was left alone
    jaw = ref.offsets[ARKIT_CHANNELS.index("jawOpen")]
    assert facts["jaw_open_offset_max"] == pytest.approx(float(np.abs(jaw).max()), abs=1e-6)
    assert facts["jaw_open_chin_dz"] == pytest.approx(float(jaw[:, 2].min()), abs=1e-6)
    assert facts["camera_is_scene_camera"] and facts["camera_y"] < -0.3   # in front of the face (-y)
    assert len(facts["lights"]) == 3 and facts["world"]
