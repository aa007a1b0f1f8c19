"""The add-on in real Blender (bpy 5.0 in .venv, bpy 4.2 LTS in .venv-bpy42; the same file runs in both).

The backend is a stand-in returning hand-made FaceResults, so these check the add-on itself: the
operator on the demo head and on Character Creator names, keys and values, the sound strip and WAV,
save/reload, nothing existing touched, undo, and one clear report per error with the scene unchanged.
"""

from __future__ import annotations

import os
import socket
import wave

import bpy
import numpy as np
import pytest
from addon_helpers import (
    HAS_AUDIO,
    face_result,
    file_digest,
    line_actions,
    mesh_with_keys,
    push_undo,
    run_generate,
    snapshot,
    undo,
    wav_bytes,
)

import unitaf_blender
from unitaf_blender.blender import backend_factory
from unitaf_blender.blender.compat import all_strips
from unitaf_blender.blender.writer import fcurves_of
from unitaf_blender.core import timing
from unitaf_blender.core.channels import ARKIT_CHANNELS, CHANNEL_INDEX

pytestmark = [pytest.mark.bpy, pytest.mark.usefixtures("addon")]   # fixtures: conftest.py

CC_KEYS = ["Jaw_Open", "Mouth_Smile_L", "Mouth_Smile_R", "Eye_Blink_L", "Eye_Blink_R", "Cheek_Puff_L",
           "Cheek_Puff_R", "Brow_Raise_Inner_L", "Eye_L_Look_R", "Mouth_Funnel_Up_L", "Custom_Wrinkle"]
CC_EXPECTED = {"Jaw_Open": "jawOpen", "Mouth_Smile_L": "mouthSmileLeft", "Mouth_Smile_R": "mouthSmileRight",
               "Eye_Blink_L": "eyeBlinkLeft", "Eye_Blink_R": "eyeBlinkRight", "Cheek_Puff_L": "cheekPuff",
               "Cheek_Puff_R": "cheekPuff", "Brow_Raise_Inner_L": "browInnerUp",
               "Eye_L_Look_R": "eyeLookInLeft", "Mouth_Funnel_Up_L": "mouthFunnel"}


def audio_dir(tmp_path) -> str:
    return str(tmp_path / "unitaf_audio")


def curve_by_key(action) -> dict[str, object]:
    return {f.data_path.split('"')[1]: f for f in fcurves_of(action)}


def sound_strips():
    sed = bpy.context.scene.sequence_editor
    return [] if sed is None else [s for s in all_strips(sed) if s.type == "SOUND"]


def test_demo_head_gets_one_action_52_curves_audio_and_survives_reload(blend, tmp_path):
    assert bpy.ops.unitaf.add_demo_head() == {"FINISHED"}
    head = bpy.context.active_object
    head_name = head.name
    bpy.context.scene.frame_current = 7
    assert run_generate(text="Hello there, how are you?", emotion="happy", intensity=0.6) == {"FINISHED"}

    request = blend.requests[-1]
    assert (request.text, request.emotion, request.intensity, request.fps) == (
        "Hello there, how are you?", "happy", pytest.approx(0.6), 24.0)
    result = blend.last
    actions = [a for a in bpy.data.actions if a.get("unitaf_line")]
    assert [a.name for a in actions] == ["UniTAF: Hello there, how are you?"]
    action = actions[0]
    key = head.data.shape_keys
    assert key.animation_data.action is None                     # it plays from the NLA, never as active
    assert line_actions(head) == [action]
    curves = curve_by_key(action)
    assert sorted(curves) == sorted(ARKIT_CHANNELS)
    onset, decay = 7, 10                                         # 0.3 s and 0.4 s at 24 fps, + a rest key each
    expected_keys = result.duration * 24.0 + onset + decay + 2
    for fc in curves.values():
        co = np.empty(2 * len(fc.keyframe_points), dtype=np.float32)
        fc.keyframe_points.foreach_get("co", co)
        assert abs(len(fc.keyframe_points) - expected_keys) <= 1
        assert co[0] == 7 - onset - 1 and np.all(np.diff(co[0::2]) == 1)
        assert co[1] == 0.0 and co[-1] == 0.0                    # eases from rest and back to rest
        assert co[1::2].min() >= 0.0 and co[1::2].max() <= 1.0

    wav_path = action["unitaf_wav"]
    assert wav_path == os.path.join(audio_dir(tmp_path), "hello_there_how_are_you.wav")
    with wave.open(wav_path) as w:
        assert w.getnframes() / w.getframerate() == pytest.approx(result.duration)
    if HAS_AUDIO:
        assert bpy.context.scene.sync_mode == "AUDIO_SYNC"        # sound and face cannot drift apart
        assert "playback now syncs to audio" in bpy.context.scene.unitaf.last_result
        [strip] = sound_strips()
        assert strip.frame_final_start == 7
        assert abs(strip.frame_final_duration - result.duration * 24.0) <= 1
        assert bpy.path.abspath(strip.sound.filepath) == wav_path
    else:
        assert "no sound strip" in bpy.context.scene.unitaf.last_result

    bpy.ops.wm.save_mainfile()
    bpy.ops.wm.open_mainfile(filepath=str(tmp_path / "scene.blend"))
    head = bpy.data.objects[head_name]
    [action] = line_actions(head)
    assert action.name == "UniTAF: Hello there, how are you?"
    curves = curve_by_key(action)
    for i in (0, 5, 17, len(result.weights) - 1):
        for channel in ("jawOpen", "mouthSmileLeft", "eyeBlinkRight", "tongueOut"):
            got = curves[channel].evaluate(7 + i)
            assert got == pytest.approx(result.weights[i, CHANNEL_INDEX[channel]], abs=1e-5)
    bpy.context.scene.frame_set(7 + 10)
    kb = head.data.shape_keys.key_blocks["jawOpen"]
    assert kb.value == pytest.approx(result.weights[10, CHANNEL_INDEX["jawOpen"]], abs=1e-5)


def test_character_creator_names_at_29_97_fps_with_resampling(blend):
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = 30, 1.001
    blend.fixed_fps = 25.0                      # the backend answers at its own rate: the add-on resamples
    obj = mesh_with_keys("CC_Base_Body", CC_KEYS)
    assert run_generate(text="Character Creator check", start_frame=10) == {"FINISHED"}
    [action] = line_actions(obj)
    curves = curve_by_key(action)
    assert set(curves) == set(CC_EXPECTED)      # Custom_Wrinkle is left alone
    fps = 30 / 1.001
    result = blend.last
    src_t = np.arange(len(result.weights)) / result.fps
    for target, channel in CC_EXPECTED.items():
        fc = curves[target]
        assert abs(len(fc.keyframe_points) - result.duration * fps - (9 + 12 + 2)) <= 1   # onset, decay, rest
        for k in (0, 3, 20, 40):
            want = np.interp(k / fps, src_t, result.weights[:, CHANNEL_INDEX[channel]])
            assert fc.evaluate(10 + k) == pytest.approx(want, abs=1e-4)


def test_existing_action_wav_and_strip_untouched(blend, tmp_path):
    obj = mesh_with_keys("Face", list(ARKIT_CHANNELS))
    key = obj.data.shape_keys
    jaw = key.key_blocks["jawOpen"]
    for frame, value in ((1, 0.0), (12, 0.8), (30, 0.1)):
        jaw.value = value
        jaw.keyframe_insert("value", frame=frame)
    old = key.animation_data.action
    old.name = "Hand keyed"
    old_keys = [tuple(p.co) for fc in fcurves_of(old) for p in fc.keyframe_points]
    os.makedirs(audio_dir(tmp_path))
    existing_wav = os.path.join(audio_dir(tmp_path), "hello_there.wav")
    with open(existing_wav, "wb") as f:
        f.write(wav_bytes(3.0))
    digest = file_digest(existing_wav)
    if HAS_AUDIO:
        sed = bpy.context.scene.sequence_editor_create()
        coll = sed.strips if hasattr(sed, "strips") else sed.sequences
        coll.new_sound("Old line", existing_wav, 1, 1)

    assert run_generate(text="Hello there!", start_frame=5) == {"FINISHED"}
    assert key.animation_data.action == old                      # the user's Action stays active
    [new] = line_actions(obj)
    assert new.name == "UniTAF: Hello there!" and new != old
    assert [tuple(p.co) for fc in fcurves_of(old) for p in fc.keyframe_points] == old_keys
    assert not old.use_fake_user and not new.use_fake_user
    # It animates jawOpen, which the line drives too: its blending became Add, so both play there.
    assert key.animation_data.action_blend_type == "ADD"
    assert "stays active" in bpy.context.scene.unitaf.last_result
    result = blend.last
    bpy.context.scene.frame_set(5 + 8)
    user_jaw = float(np.interp(13, [1, 12, 30], [0.0, 0.8, 0.1]))
    want = min(1.0, result.weights[8, CHANNEL_INDEX["jawOpen"]] + user_jaw)
    assert key.key_blocks["jawOpen"].value == pytest.approx(want, abs=0.02)      # Bezier user keys: approx
    assert key.key_blocks["mouthSmileLeft"].value == pytest.approx(
        result.weights[8, CHANNEL_INDEX["mouthSmileLeft"]], abs=1e-4)
    assert file_digest(existing_wav) == digest
    assert new["unitaf_wav"].endswith("hello_there_2.wav")
    if HAS_AUDIO:
        strips = {s.name: s for s in sound_strips()}
        assert (strips["Old line"].channel, strips["Old line"].frame_final_start) == (1, 1)
        assert strips[new.name].channel == 2                     # channel 1 is busy at those frames

    bpy.ops.wm.save_mainfile()
    bpy.ops.wm.open_mainfile(filepath=str(tmp_path / "scene.blend"))
    old = bpy.data.actions["Hand keyed"]
    assert [tuple(p.co) for fc in fcurves_of(old) for p in fc.keyframe_points] == old_keys


def test_every_line_plays_from_its_own_track_and_a_cross_talk_line_is_kept(blend):
    obj = mesh_with_keys("Face", list(ARKIT_CHANNELS))
    bpy.context.scene.unitaf.replace_overlapping = False        # a same-frame line is kept, not retaken
    assert run_generate(text="First line", start_frame=1) == {"FINISHED"}
    assert run_generate(text="Second line", start_frame=100) == {"FINISHED"}
    assert run_generate(text="Overlapping line", start_frame=20) == {"FINISHED"}
    ad = obj.data.shape_keys.animation_data
    assert ad.action is None
    assert [[s.action.name for s in t.strips] for t in ad.nla_tracks] == [
        ["UniTAF: First line"], ["UniTAF: Second line"], ["UniTAF: Overlapping line"]]
    assert [t.strips[0].extrapolation for t in ad.nla_tracks] == ["HOLD", "NOTHING", "NOTHING"]
    jaw = obj.data.shape_keys.key_blocks["jawOpen"]
    j = CHANNEL_INDEX["jawOpen"]
    first, second, third = (face_result(1.5, 24.0, phase=0.9 * i).weights[:, j] for i in range(3))
    for frame, want in ((100 + 6, second[6]), (20 + 8, third[8]), (5, first[4]), (70, 0.0), (200, 0.0)):
        bpy.context.scene.frame_set(frame)
        assert jaw.value == pytest.approx(want, abs=1e-4), frame   # 70, 200: between and after lines, rest


def test_undo_restores_the_scene(blend, tmp_path):
    mesh_with_keys("Face", list(ARKIT_CHANNELS))
    before = snapshot()
    push_undo("before UniTAF")
    assert run_generate(text="Undo me please") == {"FINISHED"}
    assert snapshot() != before
    undo()
    assert snapshot() == before


def test_animate_from_audio_references_the_recording(blend, tmp_path):
    obj = mesh_with_keys("Face", list(ARKIT_CHANNELS))
    recording = tmp_path / "take 1.wav"
    recording.write_bytes(wav_bytes(1.5))
    digest = file_digest(recording)
    with __import__("addon_helpers").window_override():
        assert bpy.ops.unitaf.animate_from_audio("EXEC_DEFAULT", True, filepath=str(recording),
                                                 transcript="  So it begins ") == {"FINISHED"}
    request = blend.requests[-1]
    assert request.transcript == "So it begins" and request.wav_bytes[:4] == b"RIFF"
    [action] = line_actions(obj)
    assert action.name == "UniTAF: So it begins"
    assert action["unitaf_wav"] == str(recording)
    assert file_digest(recording) == digest
    assert not os.path.exists(audio_dir(tmp_path))             # nothing new written: the take is used as is
    if HAS_AUDIO:
        [strip] = sound_strips()
        assert bpy.path.abspath(strip.sound.filepath) == str(recording)


def test_animate_from_audio_can_ask_for_the_emotion_heard(blend, tmp_path):
    mesh_with_keys("Face", list(ARKIT_CHANNELS))
    recording = tmp_path / "take 2.wav"
    recording.write_bytes(wav_bytes(1.0))
    items = bpy.ops.unitaf.animate_from_audio.get_rna_type().properties["emotion"].enum_items
    assert items["auto"].name == "Auto (heard)"
    with __import__("addon_helpers").window_override():
        assert bpy.ops.unitaf.animate_from_audio("EXEC_DEFAULT", True, filepath=str(recording),
                                                 emotion="auto", intensity=0.4) == {"FINISHED"}
    request = blend.requests[-1]
    assert (request.emotion, request.intensity) == ("auto", 1.0)
    assert request.head_motion                        # head angles asked for by default


def test_a_warning_from_the_backend_is_reported_with_the_line(blend, tmp_path, monkeypatch):
    import dataclasses
    mesh_with_keys("Face", list(ARKIT_CHANNELS))
    recording = tmp_path / "take 3.wav"
    recording.write_bytes(wav_bytes(1.0))
    answer = blend.animate
    warning = "the transcript does not seem to match the recording (alignment cost 0.700 > 0.550)"
    monkeypatch.setattr(blend, "animate", lambda request, progress=None, cancel=None: dataclasses.replace(
        answer(request, progress, cancel), meta={"warnings": [warning]}))
    with __import__("addon_helpers").window_override():
        assert bpy.ops.unitaf.animate_from_audio("EXEC_DEFAULT", True, filepath=str(recording),
                                                 transcript="Something else") == {"FINISHED"}
    assert warning in bpy.context.scene.unitaf.last_result


def _no_active(backend):
    mesh_with_keys("Face", list(ARKIT_CHANNELS))
    bpy.context.view_layer.objects.active = None


def _empty_active(backend):
    empty = bpy.data.objects.new("Rig root", None)
    bpy.context.scene.collection.objects.link(empty)
    bpy.context.view_layer.objects.active = empty


def _unreachable(backend):
    """The real HTTP client pointed at a port nobody listens on."""
    from unitaf_blender.core.http_client import HttpBackend
    mesh_with_keys("Face", ["jawOpen"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    backend_factory.set_test_backend(HttpBackend(f"http://127.0.0.1:{port}", timeout=5.0))


ERROR_CASES = {
    "no active object": (_no_active, {}, "no active object"),
    "not a mesh": (_empty_active, {}, "not a mesh"),
    "no shape keys": (lambda b: mesh_with_keys("Plain", []), {}, "has no shape keys"),
    "no matching keys": (lambda b: mesh_with_keys("Odd", ["Foo", "Bar_L"]), {}, "match an ARKit channel"),
    "empty text": (lambda b: mesh_with_keys("Face", ["jawOpen"]), {"text": "  \n "}, "line is empty"),
    "backend unreachable": (_unreachable, {}, "cannot reach the UniTAF backend"),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_errors_give_one_clear_report_and_change_nothing(blend, tmp_path, case):
    setup, props, message = ERROR_CASES[case]
    setup(blend)
    props = {"text": "Hello there", **props}
    before = snapshot(tmp_path)
    with pytest.raises(RuntimeError, match=message):
        run_generate(**props)
    assert snapshot(tmp_path) == before
    assert message in bpy.context.scene.unitaf.last_error


def test_cancel_mid_run_changes_nothing(blend, tmp_path):
    mesh_with_keys("Face", list(ARKIT_CHANNELS))
    blend.cancel_midway = True
    before = snapshot(tmp_path)
    assert run_generate(text="Never mind") == {"CANCELLED"}
    assert snapshot(tmp_path) == before
    assert bpy.context.scene.unitaf.last_error == "cancelled; nothing was changed"


def test_face_result_values_written_exactly_through_apply(blend):
    """apply_face_result directly (the batch's entry point): tags, frames and a mapping override."""
    from unitaf_blender.blender.apply import apply_face_result
    obj = mesh_with_keys("Face", ["A", "I", "U", "E", "O", "jawOpen"])
    result = face_result(1.0, 24.0)
    applied = apply_face_result(bpy.context.scene, obj, result, start_frame=3, name="Batch row 1",
                                mapping={"A": "viseme_aa", "O": "viseme_oh"}, add_sound=False)
    assert (applied.frame_start, applied.frame_end, applied.mapped_channels) == (3, 3 + 24, 2)
    assert applied.sound_strip_name is None and applied.wav_path is None
    action = bpy.data.actions[applied.action_name]
    assert action["unitaf_line"] == "Batch row 1"
    assert sorted(curve_by_key(action)) == ["A", "O"]
    ease_keys = 7 + 10 + 2                                     # onset, decay, a rest key each side
    assert timing.frame_count(result.duration, 24.0) + ease_keys == len(curve_by_key(action)["A"].keyframe_points)


def test_unregister_leaves_nothing_behind():
    unitaf_blender.unregister()
    try:
        assert not hasattr(bpy.types.Scene, "unitaf")
        assert not [name for name in dir(bpy.types) if name.startswith(("UNITAF_", "unitaf"))]
    finally:
        unitaf_blender.register()


def test_check_backend_answers_for_the_preferences():
    """In-process where unitaf_backend imports (bpy 5.0 in .venv); else the repository's backend interpreter
    is probed as a local server would be started (bpy 4.2)."""
    from unitaf_blender.blender.operators.check_backend import last_report
    bpy.ops.wm.read_factory_settings(use_empty=True)
    assert bpy.ops.unitaf.check_backend() == {"FINISHED"}
    assert last_report[0].startswith("ready")


def test_failure_while_writing_removes_what_was_made(blend, tmp_path, monkeypatch):
    """A failure at the last step (assigning the Action) removes the Action, the strip and the new WAV."""
    from unitaf_blender.blender import apply, writer

    obj = mesh_with_keys("Face", list(ARKIT_CHANNELS))
    os.makedirs(audio_dir(tmp_path))
    before = snapshot(tmp_path)
    had_sequencer = bpy.context.scene.sequence_editor is not None

    def broken(*args, **kwargs):
        raise RuntimeError("cannot assign")

    monkeypatch.setattr(writer, "assign_action", broken)
    with pytest.raises(RuntimeError, match="cannot assign"):
        apply.apply_face_result(bpy.context.scene, obj, face_result(1.0, 24.0), start_frame=1, name="Half way")
    assert snapshot(tmp_path) == before
    assert (bpy.context.scene.sequence_editor is not None) == had_sequencer
