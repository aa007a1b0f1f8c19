"""Bone face rigs in real Blender (bpy 5.0 in .venv; bpy 4.2 in .venv-bpy42): a Rigify-like armature with
jaw and lip bones and four pose Actions, a line spoken by the real backend (`unitaf speak`, once per
module) written as bone keyframes blending those poses; save/reload keeps it, undo removes it; bad rigs
get one clear message and nothing changes."""

from __future__ import annotations

import dataclasses
import json
import math

import bpy
import numpy as np
import pytest
from addon_helpers import HAS_AUDIO, push_undo, run_generate, snapshot, undo, window_override
from test_addon_rigs import FPS, LINE, RecordedBackend, spoken  # noqa: F401 - the module's spoken line

from unitaf_blender.blender import backend_factory, bone_writer, writer
from unitaf_blender.blender.compat import all_strips
from unitaf_blender.blender.lines import lines_of
from unitaf_blender.core import timing

pytestmark = [pytest.mark.bpy, pytest.mark.usefixtures("addon")]

BONES = {"head": (None, (0, 0, 1.5), (0, 0, 1.8)), "jaw_master": ("head", (0, 0, 1.55), (0, -0.08, 1.5)),
         "lip.T": ("head", (0, -0.1, 1.56), (0, -0.11, 1.56)), "lip.B": ("jaw_master", (0, -0.1, 1.52),
                                                                          (0, -0.11, 1.52)),
         "lips.L": ("head", (0.03, -0.09, 1.54), (0.04, -0.09, 1.54)),
         "lips.R": ("head", (-0.03, -0.09, 1.54), (-0.04, -0.09, 1.54))}
JAW_DEGREES = 25.0
BILABIALS = {"p", "b", "m"}
OPEN_VOWELS = {"ɑː", "æ", "aɪ", "aʊ", "ɑ", "a"}


def armature(name: str = "FaceRig", bones: dict = BONES):
    data = bpy.data.armatures.new(name)
    obj = bpy.data.objects.new(name, data)
    bpy.context.scene.collection.objects.link(obj)
    bpy.context.view_layer.objects.active = obj
    obj.select_set(True)
    bpy.ops.object.mode_set(mode="EDIT")
    for bone, (parent, head, tail) in bones.items():
        eb = data.edit_bones.new(bone)
        eb.head, eb.tail = head, tail
        if parent is not None:
            eb.parent = data.edit_bones[parent]
    bpy.ops.object.mode_set(mode="OBJECT")
    return obj


def pose_action(obj, name: str, channels: dict[str, dict[str, tuple[float, ...]]]):
    """A pose Action: each bone's channels at frame 1 (one key per channel)."""
    action, _slot, fcurves = writer.new_key_action(obj, name, id_type="OBJECT")
    for bone, props in channels.items():
        for prop, values in props.items():
            for i, v in enumerate(values):
                writer.write_fcurve(fcurves, f'pose.bones["{bone}"].{prop}', np.array([1.0]), np.array([v]), i)
    return action


def four_poses(obj) -> None:
    half = math.radians(JAW_DEGREES) / 2
    pose_action(obj, "MouthOpen", {"jaw_master": {"rotation_quaternion": (math.cos(half), math.sin(half), 0, 0)}})
    pose_action(obj, "viseme_PP", {"lip.T": {"location": (0, 0, -0.004)}, "lip.B": {"location": (0, 0, 0.004)}})
    pose_action(obj, "mouthFunnel", {"lip.T": {"location": (0, -0.006, 0)}, "lip.B": {"location": (0, -0.006, 0)}})
    pose_action(obj, "mouthSmile", {"lips.L": {"location": (0.004, 0, 0.003)},
                                    "lips.R": {"location": (-0.004, 0, 0.003)}})


def jaw_degrees(obj, frames) -> np.ndarray:
    out = []
    for f in frames:
        bpy.context.scene.frame_set(f)
        w = min(1.0, abs(obj.pose.bones["jaw_master"].rotation_quaternion[0]))
        out.append(math.degrees(2 * math.acos(w)))
    return np.array(out)


def _phones(result, symbols, start):
    return [start + round((p["start"] + p["end"]) / 2 * FPS) for p in result.timeline["phones"]
            if p["symbol"] in symbols]


def test_a_line_opens_the_jaw_on_open_vowels_and_closes_it_on_bilabials(blend, spoken, tmp_path):  # noqa: F811
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = FPS, 1.0
    obj = armature()
    four_poses(obj)
    backend_factory.set_test_backend(RecordedBackend(spoken))
    assert run_generate(text=LINE, start_frame=10) == {"FINISHED"}
    assert "bone face rig: 4 poses" in scene.unitaf.last_result

    anim = obj.animation_data
    assert anim.action is None and len(anim.nla_tracks) == 1 and len(anim.nla_tracks[0].strips) == 1
    line = anim.nla_tracks[0].strips[0].action
    assert line.get("unitaf_line")
    apart = (spoken.weights[:, spoken.channels.index("jawOpen")]
             - spoken.weights[:, spoken.channels.index("mouthClose")])
    n = spoken.weights.shape[0]
    closures = [f for f in _phones(spoken, BILABIALS, 10) if f - 10 < n]
    vowels = [f for f in _phones(spoken, OPEN_VOWELS, 10) if f - 10 < n and apart[f - 10] > 0.25]
    assert len(closures) >= 8 and len(vowels) >= 4
    assert jaw_degrees(obj, vowels).min() > 5.0
    assert jaw_degrees(obj, closures).max() < 2.0
    assert jaw_degrees(obj, [1, 10 + n + 30]).max() < 1e-3          # rest outside the line
    lip_gap = []
    for f in closures:
        scene.frame_set(f)
        lip_gap.append(obj.pose.bones["lip.B"].location[2] - obj.pose.bones["lip.T"].location[2])
    assert min(lip_gap) > 0.9 * 0.008                                 # the closed-lips pose at full weight

    opened = jaw_degrees(obj, vowels)
    bpy.ops.wm.save_mainfile()
    bpy.ops.wm.open_mainfile(filepath=bpy.data.filepath)
    again = bpy.data.objects["FaceRig"]
    assert np.allclose(jaw_degrees(again, vowels), opened, atol=1e-3)


def test_undo_removes_the_bone_line(blend, spoken):  # noqa: F811
    obj = armature()
    four_poses(obj)
    backend_factory.set_test_backend(RecordedBackend(spoken))
    before = snapshot()
    push_undo("before UniTAF")
    assert run_generate(text=LINE, start_frame=1) == {"FINISHED"}
    assert bpy.data.objects["FaceRig"].animation_data.nla_tracks
    undo()
    assert snapshot() == before
    rig = bpy.data.objects["FaceRig"]
    assert rig.animation_data is None or not rig.animation_data.nla_tracks


def _expected_jaw(obj, result) -> np.ndarray:
    """The jaw's quaternion per body frame that `result`'s weights give on this rig (as written)."""
    n = timing.frame_count(result.duration, FPS)
    sampled = timing.resample(np.asarray(result.weights, np.float32), result.fps, FPS, n_frames=n)
    curves = bone_writer.line_curves(bone_writer.bone_rig(obj), sampled, result.channels, FPS,
                                     result.meta.get("emotion"))
    return curves["jaw_master"].rotation


def _evaluated_jaw(obj, start: int, n: int) -> np.ndarray:
    out = []
    for f in range(start, start + n):
        bpy.context.scene.frame_set(f)
        out.append(tuple(obj.pose.bones["jaw_master"].rotation_quaternion))
    return np.array(out)


def _ours_left(scene) -> dict:
    strips = [] if scene.sequence_editor is None else list(all_strips(scene.sequence_editor))
    return {"line_actions": sorted(a.name for a in bpy.data.actions if a.get("unitaf_line") is not None),
            "strips": sorted(str(s.get("unitaf_line_id")) for s in strips),
            "unused_sounds": [s.name for s in bpy.data.sounds if s.users == 0]}


def test_bone_lines_are_lines_retaken_and_removed_like_shape_key_lines(blend, spoken):  # noqa: F811
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = FPS, 1.0
    obj = armature()
    four_poses(obj)
    n = timing.frame_count(spoken.duration, FPS)
    second_start = n + 60                                   # well after the first line and its ramp
    backend_factory.set_test_backend(RecordedBackend(spoken))
    assert run_generate(text=LINE, start_frame=1) == {"FINISHED"}
    assert run_generate(text=LINE, start_frame=second_start) == {"FINISHED"}
    first, second = lines_of(obj)
    first_action = first.action.name
    assert (first.span.start, second.span.start) == (1, second_start)
    anim = obj.animation_data
    assert anim.action is None and [t.name for t in anim.nla_tracks] == [first.track.name, second.track.name]

    # a retake of the first line with other weights (a wider jaw): it replaces that line in place
    weights = np.asarray(spoken.weights, np.float32).copy()
    jaw = spoken.channels.index("jawOpen")
    weights[:, jaw] = np.clip(weights[:, jaw] * 1.6, 0.0, 1.0)
    retake = dataclasses.replace(spoken, weights=weights)
    backend_factory.set_test_backend(RecordedBackend(retake))
    assert run_generate(text=LINE, replace_line=first.line_id) == {"FINISHED"}
    retaken, kept = lines_of(obj)
    assert retaken.line_id != first.line_id and kept.line_id == second.line_id
    assert retaken.span.start == 1 and first_action not in bpy.data.actions
    assert len(obj.animation_data.nla_tracks) == 2 and _ours_left(scene)["strips"] == (
        sorted([retaken.line_id, kept.line_id]) if HAS_AUDIO else [])    # the 4.2 wheel has no audio
    assert np.allclose(_evaluated_jaw(obj, 1, n), _expected_jaw(obj, retake), atol=2e-3)
    assert np.allclose(_evaluated_jaw(obj, second_start, n), _expected_jaw(obj, spoken), atol=2e-3)
    assert not np.allclose(_expected_jaw(obj, retake), _expected_jaw(obj, spoken), atol=2e-3)

    # Remove Line on the other one, picked in the panel's Lines list: one undo step brings it back, exactly
    scene.unitaf.line_index = bpy.data.actions.find(kept.action.name)
    before = snapshot()
    push_undo("before removing")
    with window_override():
        assert bpy.ops.unitaf.remove_line("EXEC_DEFAULT", True) == {"FINISHED"}
    obj = bpy.data.objects["FaceRig"]
    [left] = lines_of(obj)
    assert left.line_id == retaken.line_id and len(obj.animation_data.nla_tracks) == 1
    assert _ours_left(scene) == {"line_actions": [left.action.name], "strips": [left.line_id] if HAS_AUDIO else [],
                                 "unused_sounds": []}
    assert np.allclose(_evaluated_jaw(obj, 1, n), _expected_jaw(obj, retake), atol=2e-3)
    assert jaw_degrees(obj, [second_start + n // 2]).max() < 1e-3          # rest where the removed line was
    undo()
    assert snapshot() == before
    assert [ln.line_id for ln in lines_of(bpy.data.objects["FaceRig"])] == [retaken.line_id, kept.line_id]


def test_the_pose_of_each_source_is_picked_in_the_panel_and_saved_with_a_preset(blend, tmp_path):
    obj = armature()
    four_poses(obj)
    pose_action(obj, "Round", {"lip.T": {"location": (0, -0.004, 0)}, "lip.B": {"location": (0, -0.004, 0)}})
    settings = bpy.context.scene.unitaf
    with window_override():
        assert bpy.ops.unitaf.mapping_detect() == {"FINISHED"}
    rows = {row.source: row.pose.name if row.pose else "" for row in settings.pose_rows}
    assert rows["mouthOpen"] == "MouthOpen" and rows["oculus.PP"] == "viseme_PP" and rows["oculus.U"] == ""
    by_source = {row.source: row for row in settings.pose_rows}
    by_source["oculus.U"].pose = bpy.data.actions["Round"]             # as the picker does
    by_source["oculus.PP"].pose = None
    picked = dict(rows, **{"oculus.U": "Round", "oculus.PP": ""})
    expected = {pose: source for source, pose in picked.items() if pose}
    assert json.loads(obj["unitaf_bone_poses"]) == expected
    assert {p: s for p, s in bone_writer.bone_rig(obj).mapping.items() if p in bpy.data.actions} == expected
    assert ("pick oculus.U: Round", "POSE_HLT") in _panel_rows(obj)     # drawn as pickers

    path = str(tmp_path / "face_rig.json")
    with window_override():
        assert bpy.ops.unitaf.mapping_save_preset(filepath=path) == {"FINISHED"}
        del obj["unitaf_bone_poses"]
        assert bpy.ops.unitaf.mapping_clear() == {"FINISHED"}
        assert bpy.ops.unitaf.mapping_load_preset(filepath=path) == {"FINISHED"}
    assert json.loads(obj["unitaf_bone_poses"]) == expected
    assert {row.source: row.pose.name if row.pose else "" for row in settings.pose_rows}["oculus.U"] == "Round"


@pytest.mark.parametrize("case", ["pose_moves_nothing", "no_face_bones"])
def test_bad_bone_rigs_get_one_clear_message_and_nothing_changes(blend, spoken, case):  # noqa: F811
    if case == "pose_moves_nothing":
        obj = armature()
        four_poses(obj)
        pose_action(obj, "Blank", {"lip.T": {"location": (0, 0, 0)}})
        obj["unitaf_bone_poses"] = json.dumps({"MouthOpen": "mouthOpen", "Blank": "oculus.PP"})
        expected = "the pose Action 'Blank' moves no bones"
    else:
        obj = armature("Body", {"spine": (None, (0, 0, 1), (0, 0, 1.3)),
                                "arm.L": ("spine", (0, 0, 1.2), (0.3, 0, 1.2))})
        expected = "has no face bones"
    backend_factory.set_test_backend(RecordedBackend(spoken))
    before = snapshot()
    with pytest.raises(RuntimeError, match=expected):
        run_generate(text=LINE, start_frame=1)
    assert expected in bpy.context.scene.unitaf.last_error
    assert snapshot() == before and obj.animation_data is None
    if case == "pose_moves_nothing":       # the mapping panel shows it as an error row beside the good ones
        rows = _panel_rows(obj)
        assert ("MouthOpen  ->  mouthOpen", "POSE_HLT") in rows
        assert any(text.startswith("Blank:") and icon == "ERROR" for text, icon in rows)


class _Layout:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str]] = []

    def label(self, text: str = "", icon: str = "NONE") -> None:
        self.rows.append((text, icon))

    def prop(self, data, name: str, text: str = "", icon: str = "NONE") -> None:
        value = getattr(data, name)
        self.rows.append((f"pick {text}: {getattr(value, 'name', '')}", icon))


def _panel_rows(obj) -> list[tuple[str, str]]:
    from unitaf_blender.blender import panel
    layout = _Layout()
    panel._draw_bone_rig(layout, obj, bpy.context.scene.unitaf)
    return layout.rows
