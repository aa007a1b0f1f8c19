"""Timeline markers for words or sentences, and head motion on a head bone or on the object (real bpy 5.0
and 4.2, a stand-in backend with known head angles); both go with the line when it is removed."""

from __future__ import annotations

import bpy
import numpy as np
import pytest
from addon_helpers import mesh_with_keys, run_generate, window_override
from mathutils import Euler, Matrix

from unitaf_blender.blender.lines import lines_of
from unitaf_blender.core.channels import ARKIT_CHANNELS

pytestmark = [pytest.mark.bpy, pytest.mark.usefixtures("addon")]   # fixtures: conftest.py


def remove_all(obj):
    for line in lines_of(obj):
        with window_override():
            assert bpy.ops.unitaf.remove_line("EXEC_DEFAULT", True, line_id=line.line_id) == {"FINISHED"}


def test_word_markers_come_and_go_with_the_line(blend):
    face = mesh_with_keys("Face", list(ARKIT_CHANNELS))
    scene = bpy.context.scene
    scene.timeline_markers.new("mine", frame=3)
    scene.unitaf.markers = "words"
    assert run_generate(text="Known words", start_frame=10) == {"FINISHED"}
    assert sorted((m.name, m.frame) for m in scene.timeline_markers) == [
        ("Known", 10 + round(0.2 * 24)), ("mine", 3), ("words", 10 + round(0.7 * 24))]
    remove_all(face)
    assert [(m.name, m.frame) for m in scene.timeline_markers] == [("mine", 3)]      # the user's stays


def expected_ypr(backend, frame, start):
    return backend.last.head[frame - start]


def test_head_motion_on_the_object_adds_to_its_own_rotation(blend):
    face = mesh_with_keys("Face", list(ARKIT_CHANNELS))
    face.rotation_euler = (0.5, 0.0, 0.0)                             # a rotated import keeps its rotation
    bpy.context.scene.unitaf.target = face
    bpy.context.scene.unitaf.head_motion = True
    assert run_generate(text="Nod along", start_frame=5) == {"FINISHED"}
    assert blend.requests[-1].head_motion
    assert "head motion on object Face" in bpy.context.scene.unitaf.last_result
    for frame in (9, 15, 30):
        bpy.context.scene.frame_set(frame)
        yaw, pitch, roll = expected_ypr(blend, frame, 5)
        np.testing.assert_allclose(tuple(face.delta_rotation_euler), (pitch, roll, yaw), atol=1e-4)
        assert face.rotation_euler[0] == pytest.approx(0.5)
    bpy.context.scene.frame_set(80)
    np.testing.assert_allclose(tuple(face.delta_rotation_euler), 0.0, atol=1e-6)   # outside the line
    remove_all(face)
    assert face.animation_data is None or len(face.animation_data.nla_tracks) == 0
    assert not [a for a in bpy.data.actions if a.get("unitaf_head") is not None]


def rigged_face(bone_roll: float = 0.0):
    face = mesh_with_keys("Face", list(ARKIT_CHANNELS))
    arm_data = bpy.data.armatures.new("Rig")
    rig = bpy.data.objects.new("Rig", arm_data)
    bpy.context.scene.collection.objects.link(rig)
    bpy.context.view_layer.objects.active = rig
    bpy.ops.object.mode_set(mode="EDIT")
    neck = arm_data.edit_bones.new("neck")
    neck.head, neck.tail = (0, 0, 0), (0, 0, 0.5)
    head = arm_data.edit_bones.new("Head")
    head.head, head.tail, head.roll = (0, 0, 0.5), (0, 0, 1.0), bone_roll
    head.parent = neck
    bpy.ops.object.mode_set(mode="OBJECT")
    face.parent = rig
    mod = face.modifiers.new("Armature", "ARMATURE")
    mod.object = rig
    return face, rig


@pytest.mark.parametrize("roll", [0.0, 1.2])
def test_head_motion_on_the_head_bone_turns_it_in_world_space(blend, roll):
    face, rig = rigged_face(roll)
    settings = bpy.context.scene.unitaf
    settings.target, settings.head_motion = face, True
    assert run_generate(text="Nod along", start_frame=5) == {"FINISHED"}
    assert "head motion on bone 'Head' of Rig" in settings.last_result
    bone = rig.pose.bones["Head"]
    rest = bone.bone.matrix_local.to_3x3()
    for frame in (9, 21):
        bpy.context.scene.frame_set(frame)
        yaw, pitch, roll_ = expected_ypr(blend, frame, 5)
        want = Euler((pitch, roll_, yaw), "YXZ").to_matrix()
        got = rest @ bone.matrix_basis.to_3x3() @ rest.inverted()      # the pose rotation, in armature space
        np.testing.assert_allclose(np.array(got), np.array(want), atol=1e-4)
    bpy.context.scene.frame_set(90)
    assert np.allclose(np.array(bone.matrix_basis), np.array(Matrix.Identity(4)), atol=1e-6)
    remove_all(face)
    assert rig.animation_data is None or len(rig.animation_data.nla_tracks) == 0


def test_a_head_bone_that_is_not_there_is_one_clear_error(blend):
    face, _rig = rigged_face()
    settings = bpy.context.scene.unitaf
    settings.target, settings.head_motion, settings.head_bone = face, True, "Skull"
    with pytest.raises(RuntimeError, match="has no bone 'Skull'"):
        run_generate(text="Nope", start_frame=5)
    assert lines_of(face) == [] and blend.requests == []


def test_live_link_csv_export_of_the_scene_at_60_fps_from_a_timecode(blend, tmp_path):
    face = mesh_with_keys("Face", list(ARKIT_CHANNELS))
    scene = bpy.context.scene
    scene.frame_start, scene.frame_end = 1, 48
    scene.unitaf.target = face
    assert run_generate(text="Export me", start_frame=1) == {"FINISHED"}
    out = tmp_path / "take.csv"
    with window_override():
        assert bpy.ops.unitaf.export_live_link_csv("EXEC_DEFAULT", filepath=str(out), fps=60.0,
                                                   start_timecode="14:30:00:00") == {"FINISHED"}
    rows = out.read_text().splitlines()
    assert len(rows) == 1 + (47 * 60 // 24 + 1)                      # 47 frames at 24 fps = 117.5 rows of 60
    assert rows[1].startswith("14:30:00:00.000,61,") and rows[61].startswith("14:30:01:00.000,61,")
    jaw = ARKIT_CHANNELS.index("jawOpen")
    for i in (30, 60, 90):                                           # row i is scene frame 1 + i * 24 / 60
        frame = 1 + i * 24 / 60
        scene.frame_set(int(frame), subframe=frame - int(frame))
        want = face.data.shape_keys.key_blocks["jawOpen"].value
        assert float(rows[1 + i].split(",")[2 + jaw]) == pytest.approx(want, abs=1e-5)
    with window_override(), pytest.raises(RuntimeError, match="not HH:MM:SS:FF"):
        bpy.ops.unitaf.export_live_link_csv("EXEC_DEFAULT", filepath=str(tmp_path / "bad.csv"),
                                            start_timecode="half past two")
    assert not (tmp_path / "bad.csv").exists()


def live_link_head_columns(path):
    header, *rows = path.read_text().splitlines()
    names = header.split(",")
    cols = [names.index(n) for n in ("HeadYaw", "HeadPitch", "HeadRoll")]
    return np.array([[float(r.split(",")[c]) for c in cols] for r in rows])


@pytest.mark.parametrize("rigged", [True, False])
def test_live_link_csv_reads_the_head_angles_back_from_the_bone_or_the_object(blend, tmp_path, rigged):
    face, rig = rigged_face(bone_roll=1.2) if rigged else (mesh_with_keys("Face", list(ARKIT_CHANNELS)), None)
    scene = bpy.context.scene
    scene.frame_start, scene.frame_end = 1, 40
    settings = scene.unitaf
    settings.target, settings.head_motion = face, True
    assert run_generate(text="Nod along", start_frame=1) == {"FINISHED"}
    where = "bone 'Head' of Rig" if rigged else "object Face"
    assert f"head motion on {where}" in settings.last_result
    out = tmp_path / "head.csv"
    with window_override():                                # at the scene's rate: row i is frame 1 + i
        assert bpy.ops.unitaf.export_live_link_csv("EXEC_DEFAULT", filepath=str(out), fps=24.0) == {"FINISHED"}
    head = live_link_head_columns(out)
    line = lines_of(face)[0]
    body = range(line.span.start + 3, line.span.end - 2)    # clear of the head motion's blend in and out
    want = np.array([expected_ypr(blend, f, 1) for f in body])
    np.testing.assert_allclose(head[[f - 1 for f in body]], want, atol=1e-4)
    assert np.abs(want).max() > 0.05                         # the angles are there to be read back
    if rigged:
        assert (face.delta_rotation_euler[:] == (0.0, 0.0, 0.0)) and np.abs(head).max() > 0.05
