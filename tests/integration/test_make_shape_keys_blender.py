"""unitaf.make_arkit_shape_keys in Blender 5.0 (the bpy wheel, key maker in-process), and the batch's
--make-shape-keys, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.bpy, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
JOB = REPO / "tests" / "integration" / "keymaker_job.py"
BATCH = REPO / "unitaf_blender" / "batch.py"


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    out = tmp_path_factory.mktemp("keymaker")
    run = subprocess.run([sys.executable, str(JOB), str(out)], capture_output=True, text=True, timeout=600,
                         check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    return out, json.loads(run.stdout.strip().splitlines()[-1])


def test_operator_adds_only_the_missing_keys_and_keeps_the_users(job):
    _, facts = job
    assert facts["result"] == ["FINISHED"] and facts["error"] == ""
    names = facts["names"]
    assert names[:3] == ["Basis", "MyWink", "jawOpen"] and len(names) == 3 + 51
    assert "added 51 ARKit shape keys" in facts["message"] and "kept 1 it had (jawOpen)" in facts["message"]
    assert facts["mine_unchanged"] and facts["jaw_unchanged"]
    assert set(facts["values_nonzero"]) <= {"Basis", "MyWink", "jawOpen"}     # every new key starts at 0
    assert facts["undo_flag"]


def test_made_keys_on_the_mesh_match_the_known_answer(job):
    _, facts = job
    assert facts["median"] <= 0.15 and facts["p95"] <= 0.4


def test_separate_eye_gets_gaze_by_rotation(job):
    _, facts = job
    assert facts["eye_drivers"] == 2 and "gaze drivers on Eye.L" in facts["message"]
    assert facts["eye_yaw"] == pytest.approx(0.5236, abs=1e-3)           # eyeLookOutLeft = 1: 30 degrees out


def test_separate_teeth_and_tongue_follow_the_jaw(job):
    _, facts = job
    # the reference skin as a head without keys, its own lower teeth and tongue as child objects
    assert "jaw keys on Teeth.Lower, Tongue" in facts["message2"] and "jaw keys" not in facts["message"]
    assert {"jawOpen", "jawForward", "jawLeft", "jawRight", "tongueOut"} <= set(facts["tongue_keys"])
    # the head's jawOpen at 1 (through the driver) drops the lower teeth as the reference's jawOpen does
    assert facts["teeth_drop"] == pytest.approx(facts["true_teeth_drop"], rel=0.03)


def test_not_a_head_is_refused_and_left_unchanged(job):
    _, facts = job
    assert facts["cube_result"] == ["CANCELLED"]
    assert "no head found" in facts["cube_error"] and "nothing was changed" in facts["cube_error"]
    assert not facts["cube_keys"] and facts["cube_unchanged"]


def test_two_million_vertices_are_refused_before_copying(job):
    _, facts = job
    assert facts["big_result"] == ["CANCELLED"] and not facts["big_keys"]
    assert "2,000,000 vertices; the key maker takes at most 500,000" in facts["big_error"]


def test_batch_makes_the_keys_then_speaks(job, tmp_path):
    out_dir, _ = job
    lines = tmp_path / "lines.csv"
    lines.write_text("object,text\nHead,Hello there.\n", encoding="utf-8")
    saved = tmp_path / "spoken.blend"
    run = subprocess.run([sys.executable, str(BATCH), str(out_dir / "head.blend"), "--make-shape-keys", "Head",
                          "--dialogue", str(lines), "--save", str(saved), "--mode", "rules"],
                         capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "'Head': added 52 ARKit shape keys" in run.stdout
    check = subprocess.run([sys.executable, "-c", (
        "import bpy, sys, json; bpy.ops.wm.open_mainfile(filepath=sys.argv[1]); o = bpy.data.objects['Head']; "
        "k = o.data.shape_keys; print(json.dumps([len(k.key_blocks), k.animation_data is not None]))"),
        str(saved)], capture_output=True, text=True, timeout=120, check=False)
    assert json.loads(check.stdout.strip().splitlines()[-1]) == [53, True]


def test_batch_unknown_object_is_one_line(job, tmp_path):
    out_dir, _ = job
    lines = tmp_path / "lines.csv"
    lines.write_text("object,text\nHead,Hello.\n", encoding="utf-8")
    run = subprocess.run([sys.executable, str(BATCH), str(out_dir / "head.blend"), "--make-shape-keys", "Nobody",
                          "--dialogue", str(lines), "--save", str(tmp_path / "x.blend")],
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 2 and "no object named 'Nobody'" in run.stderr
    assert not (tmp_path / "x.blend").exists()


BLENDER_42_SCRIPT = r"""
import json, sys
import bpy
sys.path.insert(0, sys.argv[1])
import unitaf_blender
from unitaf_blender.blender.keymaker import import_obj_head
bpy.ops.wm.read_factory_settings(use_empty=True)
unitaf_blender.register()
head = import_obj_head(bpy.context.scene, sys.argv[2], "Head")
bpy.context.view_layer.objects.active = head
result = bpy.ops.unitaf.make_arkit_shape_keys()
keys = head.data.shape_keys.key_blocks if head.data.shape_keys else []
print(json.dumps({"version": list(bpy.app.version), "result": sorted(result), "keys": len(keys),
                  "message": bpy.context.scene.unitaf.last_result}))
unitaf_blender.unregister()
"""


def test_blender_42_without_the_backend_runs_it_through_the_backend_python(tmp_path):
    # Blender 4.2 LTS's Python has no scipy and no unitaf_backend: the add-on runs `unitaf
    # make-shape-keys` with the Backend Python (the checkout's .venv by default)
    python42 = REPO / ".venv-bpy42" / "bin" / "python"
    if not python42.exists():
        pytest.skip("no .venv-bpy42")
    sys.path.insert(0, str(REPO / "tools"))
    import primitive_head

    vertices, faces = primitive_head.build()
    obj = tmp_path / "head.obj"
    main_args = [str(obj)]
    assert primitive_head.main(main_args) == 0 and vertices.shape[0] > 8000 and faces
    run = subprocess.run([str(python42), "-c", BLENDER_42_SCRIPT, str(REPO), str(obj)], capture_output=True,
                         text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    facts = json.loads(run.stdout.strip().splitlines()[-1])
    assert facts["version"][:2] == [4, 2] and facts["result"] == ["FINISHED"]
    assert facts["keys"] == 53 and "added 52 ARKit shape keys" in facts["message"]
