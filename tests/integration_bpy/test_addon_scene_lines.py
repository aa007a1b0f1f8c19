"""Scenes, not single lines (real bpy 5.0 in .venv, 4.2 LTS in .venv-bpy42): several lines per character,
two characters, retakes, Remove Line, undo, glTF export, and objects that cannot take a line.

The stand-in backend answers each request with different known weights, so every value read back from
the evaluated scene can be traced to the one line that should be playing there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import bpy
import numpy as np
import pytest
from addon_helpers import (
    HAS_AUDIO,
    line_actions,
    mesh_with_keys,
    push_undo,
    run_generate,
    snapshot,
    undo,
    window_override,
)

from unitaf_blender.blender.lines import LINE_ID, lines_of
from unitaf_blender.core.channels import ARKIT_CHANNELS, CHANNEL_INDEX

pytestmark = [pytest.mark.bpy, pytest.mark.usefixtures("addon")]   # fixtures: conftest.py

CHECKED = ("jawOpen", "mouthSmileLeft", "eyeBlinkRight", "browInnerUp", "tongueOut")
REST_FRAMES = (-20, 60, 150, 240, 330, 400)      # clear of every line's onset (0.3 s) and decay (0.4 s)


def generate(backend, obj, text, start, **props):
    """One Generate click on `obj`; returns (line id, the backend's weights for it)."""
    bpy.context.scene.unitaf.target = obj
    assert run_generate(text=text, start_frame=start, **props) == {"FINISHED"}
    [line] = [ln for ln in lines_of(obj) if ln.span.start == start]
    return line.line_id, backend.last.weights


def remove(line_id=""):
    with window_override():
        return bpy.ops.unitaf.remove_line("EXEC_DEFAULT", True, line_id=line_id)


def values_at(obj, frame):
    bpy.context.scene.frame_set(frame)
    blocks = obj.data.shape_keys.key_blocks
    return np.array([blocks[c].value for c in CHECKED])


def assert_plays(obj, expected):
    """Every line in `expected` (start frame -> backend weights) plays at its frames; nothing else does."""
    spans = {ln.span.start: ln.span for ln in lines_of(obj)}
    assert sorted(spans) == sorted(expected)
    cols = [CHANNEL_INDEX[c] for c in CHECKED]
    for start, weights in expected.items():
        for i in range(spans[start].end - start + 1):
            got = values_at(obj, start + i)
            np.testing.assert_allclose(got, weights[i, cols], atol=1e-3, err_msg=f"{obj.name} frame {start + i}")


def assert_rest(obj, frames):
    for frame in frames:
        np.testing.assert_allclose(values_at(obj, frame), 0.0, atol=1e-6, err_msg=f"{obj.name} frame {frame}")


def our_fake_user_actions():
    return [a.name for a in bpy.data.actions if a.get("unitaf_line") is not None and a.use_fake_user]


GLTF_EXPORT = r"""
import json, os, sys
import bpy
import addon_utils      # importable once bpy has set up Blender's script paths
bpy.ops.wm.open_mainfile(filepath=sys.argv[1])
addon_utils.enable("io_scene_gltf2", default_set=True)
bpy.ops.export_scene.gltf(filepath=sys.argv[2], export_format="GLTF_SEPARATE")
sys.stdout.flush()
os._exit(0)     # the bpy 4.2 wheel crashes on its way out after its glTF exporter has run
"""


def gltf_animations(tmp_path):
    """The animation names Blender's glTF exporter (default settings) writes for the scene as it is now
    (in a separate Blender, on a copy of the file)."""
    copy, out = tmp_path / "export_copy.blend", tmp_path / "scene.gltf"
    bpy.ops.wm.save_as_mainfile(filepath=str(copy), copy=True)
    proc = subprocess.run([sys.executable, "-c", GLTF_EXPORT, str(copy), str(out)], capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return sorted(a["name"] for a in json.loads(out.read_text()).get("animations", []))


FBX_EXPORT_IMPORT = r"""
import json, os, sys
sys.path.insert(0, sys.argv[3])
import bpy
import addon_utils      # importable once bpy has set up Blender's script paths
import unitaf_blender
bpy.ops.wm.open_mainfile(filepath=sys.argv[1])
unitaf_blender.register()
assert bpy.ops.unitaf.export_fbx(filepath=sys.argv[2]) == {"FINISHED"}
bpy.ops.wm.read_factory_settings(use_empty=True)
addon_utils.enable("io_scene_fbx", default_set=True)
bpy.ops.import_scene.fbx(filepath=sys.argv[2], anim_offset=0.0)
face = next(o for o in bpy.data.objects if o.type == "MESH")
anim = face.data.shape_keys.animation_data
first, last = (int(f) for f in anim.action.frame_range)
values = {}
for frame in range(first, last + 1):
    bpy.context.scene.frame_set(frame)
    values[frame] = [face.data.shape_keys.key_blocks[c].value for c in sys.argv[4].split(",")]
print("RESULT" + json.dumps({"takes": sorted(a.name for a in bpy.data.actions), "values": values}))
sys.stdout.flush()
os._exit(0)     # as for glTF: the 4.2 wheel may crash on its way out after an exporter has run
"""


def fbx_round_trip(tmp_path):
    """Export the scene as it is now with the add-on's FBX export, import the file back into an empty
    Blender (both in a separate process, on a copy), and read the imported face's shape keys at every frame
    of its take: (take names, {frame: values of CHECKED})."""
    copy, out = tmp_path / "fbx_copy.blend", tmp_path / "scene.fbx"
    bpy.ops.wm.save_as_mainfile(filepath=str(copy), copy=True)
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.run([sys.executable, "-c", FBX_EXPORT_IMPORT, str(copy), str(out), repo, ",".join(CHECKED)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    [line] = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")]
    found = json.loads(line[len("RESULT"):])
    return found["takes"], {int(f): np.array(v) for f, v in found["values"].items()}


def test_fbx_export_holds_every_remaining_line_after_a_retake_and_a_remove(blend, tmp_path):
    face = mesh_with_keys("Face", list(ARKIT_CHANNELS))
    expected = {}
    for n, start in enumerate((1, 90, 180, 270), 1):
        expected[start] = generate(blend, face, f"Line {n}", start)[1]
    expected[90] = generate(blend, face, "Line 2, again", 90)[1]
    bpy.context.scene.unitaf.line_index = bpy.data.actions.find(lines_of(face)[2].action.name)
    assert remove() == {"FINISHED"}
    del expected[180]
    bpy.context.scene.frame_start, bpy.context.scene.frame_end = 100, 120    # the take still covers every line

    takes, imported = fbx_round_trip(tmp_path)
    assert len(takes) == 1                         # one take: the scene as it plays
    cols = [CHANNEL_INDEX[c] for c in CHECKED]
    spans = {ln.span.start: ln.span for ln in lines_of(face)}
    for start, weights in expected.items():
        for i in range(spans[start].end - start + 1):
            np.testing.assert_allclose(imported[start + i], weights[i, cols], atol=1e-3,
                                       err_msg=f"FBX frame {start + i}")
    for frame in range(140, 255, 5):               # the removed line's frames read rest
        np.testing.assert_allclose(imported[frame], 0.0, atol=1e-3, err_msg=f"FBX frame {frame}")
    for frame in imported:                          # and the take equals the scene at every frame
        np.testing.assert_allclose(imported[frame], values_at(face, frame), atol=1e-3, err_msg=f"frame {frame}")
    assert (bpy.context.scene.frame_start, bpy.context.scene.frame_end) == (100, 120)


def test_four_lines_retake_remove_undo_all_play(blend, tmp_path):
    face = mesh_with_keys("Face", list(ARKIT_CHANNELS))
    push_undo("before UniTAF")
    starts = (1, 90, 180, 270)               # gaps over a second: each line eases from and back to rest
    ids, expected = {}, {}
    for n, start in enumerate(starts, 1):
        ids[start], expected[start] = generate(blend, face, f"Line {n}", start)
    assert_plays(face, expected)
    assert_rest(face, REST_FRAMES)
    first_take_wav = next(ln.wav_path for ln in lines_of(face) if ln.span.start == 90)

    # Retake line 2: the same character over the same frames replaces it.
    ids[90], expected[90] = generate(blend, face, "Line 2, better", 90)
    assert "replaced 'Line 2'" in bpy.context.scene.unitaf.last_result
    assert_plays(face, expected)
    assert [a.get("unitaf_line") for a in line_actions(face)] == ["Line 1", "Line 2, better", "Line 3", "Line 4"]
    if HAS_AUDIO:
        strips = [s for s in bpy.context.scene.sequence_editor.strips_all if s.get(LINE_ID)] \
            if hasattr(bpy.context.scene.sequence_editor, "strips_all") else \
            [s for s in bpy.context.scene.sequence_editor.sequences_all if s.get(LINE_ID)]
        assert sorted(s.get("unitaf_line") for s in strips) == ["Line 1", "Line 2, better", "Line 3", "Line 4"]

    # Remove line 3 on purpose: picked in the panel's list.
    line3 = next(ln for ln in lines_of(face) if ln.span.start == 180)
    bpy.context.scene.unitaf.line_index = bpy.data.actions.find(line3.action.name)
    assert remove() == {"FINISHED"}
    removed = expected.pop(180)
    assert_plays(face, expected)
    assert_rest(face, range(140, 255, 3))     # between line 2's decay and line 4's onset
    assert gltf_animations(tmp_path) == sorted(a.name for a in line_actions(face))

    # One undo step brings line 3 back, exactly as it was.
    undo()
    face = bpy.data.objects["Face"]
    expected[180] = removed
    assert_plays(face, expected)
    assert_rest(face, REST_FRAMES)
    names = gltf_animations(tmp_path)
    assert len(names) == 4 and names == sorted(a.name for a in line_actions(face))
    assert our_fake_user_actions() == []
    assert len([a for a in bpy.data.actions if a.get("unitaf_line") is not None]) == 4

    # Saving puts the first take's WAV away (nothing uses it); every line's own WAV stays, line 3's too:
    # the export above saved a copy while line 3 was removed, and the undo brought its WAV back.
    bpy.ops.wm.save_mainfile()
    assert not os.path.exists(first_take_wav)
    assert os.path.exists(os.path.join(os.path.dirname(first_take_wav), ".unitaf_removed",
                                       os.path.basename(first_take_wav)))
    assert all(os.path.exists(ln.wav_path) for ln in lines_of(face))
    bpy.ops.wm.read_factory_settings(use_empty=True)                  # another file: no undo can need it
    assert not os.path.exists(os.path.join(os.path.dirname(first_take_wav), ".unitaf_removed",
                                           os.path.basename(first_take_wav)))


def test_retake_picked_in_the_list_replaces_a_line_it_does_not_overlap(blend):
    face = mesh_with_keys("Face", list(ARKIT_CHANNELS))
    _, first = generate(blend, face, "Keep me", 1)
    old_id, _ = generate(blend, face, "Redo me", 80)
    new_id, new = generate(blend, face, "Redone, elsewhere", 200, replace_line=old_id)
    assert old_id != new_id
    assert [ln.name for ln in lines_of(face)] == ["Keep me", "Redone, elsewhere"]
    assert_plays(face, {1: first, 200: new})
    assert_rest(face, range(78, 120, 5))
    bpy.context.scene.frame_current = 500                             # the panel's Retake: no start frame
    line = lines_of(face)[1]
    assert run_generate(text="Retaken in place", replace_line=line.line_id) == {"FINISHED"}
    assert [(ln.name, ln.span.start) for ln in lines_of(face)] == [("Keep me", 1), ("Retaken in place", 200)]


def test_remove_line_errors_change_nothing(blend, tmp_path):
    face = mesh_with_keys("Face", list(ARKIT_CHANNELS))
    generate(blend, face, "Only line", 1)
    before = snapshot(tmp_path)
    with pytest.raises(RuntimeError, match="has no line"):
        remove("no-such-line")
    bpy.context.scene.unitaf.line_index = -1
    with pytest.raises(RuntimeError, match="pick one of the lines"):
        remove()
    assert snapshot(tmp_path) == before


def test_two_characters_interleaved_with_defaults_each_plays_its_own_lines(blend):
    alice = mesh_with_keys("Alice", list(ARKIT_CHANNELS))
    bob = mesh_with_keys("Bob", list(ARKIT_CHANNELS))
    own = {"Alice": {}, "Bob": {}}
    for obj, start in ((alice, 1), (bob, 40), (alice, 100), (bob, 150), (alice, 200)):
        own[obj.name][start] = generate(blend, obj, f"{obj.name} at {start}", start)[1]
    assert_plays(alice, own["Alice"])
    assert_plays(bob, own["Bob"])
    assert_rest(alice, (60, 160, 260))
    assert_rest(bob, (10, 100, 220))
    assert our_fake_user_actions() == []


def test_a_linked_library_object_is_refused_and_nothing_changes(blend, tmp_path):
    lib_path = tmp_path / "characters.blend"
    mesh_with_keys("Linked face", list(ARKIT_CHANNELS))
    bpy.ops.wm.save_as_mainfile(filepath=str(lib_path))
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "shot.blend"))
    with bpy.data.libraries.load(str(lib_path), link=True) as (_src, dst):
        dst.objects = ["Linked face"]
    obj = dst.objects[0]
    bpy.context.scene.collection.objects.link(obj)
    bpy.context.scene.unitaf.target = obj
    before = snapshot(tmp_path)
    with pytest.raises(RuntimeError, match="is linked from .*characters.blend.*Make Local"):
        run_generate(text="Not on a linked face", start_frame=1)
    assert snapshot(tmp_path) == before
    assert blend.requests == []                       # refused before the backend was asked


def test_one_undo_brings_the_previous_take_back_and_tracks_not_ours_stay(blend):
    face = mesh_with_keys("Face", list(ARKIT_CHANNELS))
    anim = face.data.shape_keys.animation_data_create()
    theirs = bpy.data.actions.new("Their take")                      # a track and strip of the user's
    theirs.use_frame_range, theirs.frame_start, theirs.frame_end = True, 1, 20
    track = anim.nla_tracks.new()
    track.name = "Their track"
    strip = track.strips.new("Their strip", 500, theirs)
    before = (track.name, strip.name, strip.frame_start, strip.extrapolation, strip.blend_in, strip.mute)
    _, first = generate(blend, face, "First take", 10)
    push_undo("after the first take")
    _, second = generate(blend, face, "Second take", 10)
    assert [ln.name for ln in lines_of(face)] == ["Second take"]
    assert_plays(face, {10: second})
    undo()
    face = bpy.data.objects["Face"]
    assert [ln.name for ln in lines_of(face)] == ["First take"]
    assert_plays(face, {10: first})
    their = next(t for t in face.data.shape_keys.animation_data.nla_tracks if t.name == "Their track")
    s = their.strips[0]
    assert (their.name, s.name, s.frame_start, s.extrapolation, s.blend_in, s.mute) == before
    assert s.action.name == "Their take" and our_fake_user_actions() == []


def test_two_characters_a_retake_and_an_undo_survive_save_and_reload(blend, tmp_path):
    """As a user with the defaults: two lines of Alice, one of Bob, a retake of Alice's second line, an
    undo of it, save, reopen: every line plays at its frames, with its own sound."""
    alice = mesh_with_keys("Alice", list(ARKIT_CHANNELS))
    bob = mesh_with_keys("Bob", list(ARKIT_CHANNELS))
    own = {"Alice": {}, "Bob": {}}
    for obj, start in ((alice, 1), (bob, 50), (alice, 110)):
        own[obj.name][start] = generate(blend, obj, f"{obj.name} at {start}", start)[1]
    push_undo("three lines")
    _, retaken = generate(blend, alice, "Alice at 110, again", 110)
    assert_plays(alice, {**own["Alice"], 110: retaken})
    retake_wav = next(ln.wav_path for ln in lines_of(alice) if ln.span.start == 110)
    undo()
    assert [ln.name for ln in lines_of(bpy.data.objects["Alice"])] == ["Alice at 1", "Alice at 110"]
    bpy.ops.wm.save_mainfile()
    bpy.ops.wm.open_mainfile(filepath=str(tmp_path / "scene.blend"))

    alice, bob = bpy.data.objects["Alice"], bpy.data.objects["Bob"]
    assert_plays(alice, own["Alice"])
    assert_plays(bob, own["Bob"])
    assert_rest(alice, (60, 170))
    assert_rest(bob, (10, 120))
    assert our_fake_user_actions() == [] and bpy.context.scene.unitaf.last_result is not None
    assert not os.path.exists(retake_wav)                    # the undone take's WAV left with it
    wavs = sorted(ln.wav_path for obj in (alice, bob) for ln in lines_of(obj))
    assert len(wavs) == 3 and all(os.path.exists(w) for w in wavs)
    if HAS_AUDIO:
        seq = bpy.context.scene.sequence_editor
        strips = seq.strips_all if hasattr(seq, "strips_all") else seq.sequences_all
        got = sorted((s.frame_final_start, bpy.path.abspath(s.sound.filepath)) for s in strips if s.get(LINE_ID))
        assert [f for f, _ in got] == [1, 50, 110]
        assert sorted(os.path.normpath(p) for _, p in got) == [os.path.normpath(w) for w in wavs]
