"""Idle fill (real bpy 5.0, the real backend in-process): between a character's lines the face blinks,
looks around and breathes; its lines still play exactly; removing it gives the rest pose back."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "integration_bpy"))

import bpy
from addon_helpers import StandInBackend, mesh_with_keys, run_generate, window_override

import unitaf_blender
from unitaf_blender.blender import backend_factory, idle
from unitaf_blender.blender.lines import idle_track, lines_of
from unitaf_blender.core.channels import ARKIT_CHANNELS, CHANNEL_INDEX
from unitaf_blender.core.inprocess import InProcessBackend

pytestmark = [pytest.mark.bpy, pytest.mark.slow]


class IdleFromTheBackend(StandInBackend):
    """Known line weights (the stand-in's) and the real backend's idle clip."""

    def __init__(self):
        super().__init__()
        self.real = InProcessBackend()

    def idle(self, request):
        return self.real.idle(request)


@pytest.fixture
def face():
    unitaf_blender.register()
    bpy.ops.wm.read_factory_settings(use_empty=True)
    backend = IdleFromTheBackend()
    backend_factory.set_test_backend(backend)
    scene = bpy.context.scene
    scene.frame_start, scene.frame_end = 1, 300
    obj = mesh_with_keys("Face", list(ARKIT_CHANNELS))
    scene.unitaf.target = obj
    yield obj, backend
    backend_factory.set_test_backend(None)
    unitaf_blender.unregister()


def idle_op(**props):
    with window_override():
        return bpy.ops.unitaf.idle_fill("EXEC_DEFAULT", True, **props)


def evaluate(obj, frames):
    blocks = obj.data.shape_keys.key_blocks
    out = []
    for f in frames:
        bpy.context.scene.frame_set(f)
        out.append([blocks[c].value for c in ARKIT_CHANNELS])
    return np.array(out)


def test_idle_fills_the_gaps_and_the_lines_still_play(face):
    obj, backend = face
    weights = {}
    for start in (20, 200):
        assert run_generate(text=f"Line at {start}", start_frame=start) == {"FINISHED"}
        weights[start] = backend.last.weights
    assert idle_op() == {"FINISHED"}
    assert "idle motion from frame" in bpy.context.scene.unitaf.last_result
    anim = obj.data.shape_keys.animation_data
    assert anim.nla_tracks[0] == idle_track(anim)                   # under every line
    assert anim.action is None

    frames = np.arange(-20, 320)
    values = evaluate(obj, frames)
    spans = [ln.span for ln in lines_of(obj)]
    for span, start in zip(spans, (20, 200)):                       # each line plays exactly
        inside = (frames >= span.start) & (frames <= span.end)
        cols = [CHANNEL_INDEX[c] for c in ("jawOpen", "browInnerUp", "eyeBlinkLeft", "mouthSmileLeft")]
        np.testing.assert_allclose(values[inside][:, cols], weights[start][: inside.sum()][:, cols], atol=1e-3)
    outside = np.ones(len(frames), bool)
    for span in spans:
        outside &= (frames < span.start - 9) | (frames > span.end + 12)   # clear of the ramps
    gaps = values[outside]
    blink = gaps[:, CHANNEL_INDEX["eyeBlinkLeft"]]
    assert blink.max() > 0.9                                         # it blinks between lines
    looks = gaps[:, [CHANNEL_INDEX[c] for c in ("eyeLookOutLeft", "eyeLookInLeft", "eyeLookUpLeft")]]
    assert np.ptp(looks, axis=0).max() > 0.03                        # and looks around
    assert 0.005 < gaps[:, CHANNEL_INDEX["jawOpen"]].max() < 0.05    # and breathes
    steps = np.abs(np.diff(values, axis=0))
    not_blinks = [i for i, c in enumerate(ARKIT_CHANNELS) if not c.startswith("eyeBlink")]
    edges = np.zeros(len(frames) - 1, bool)                          # into and out of each line's body
    for span in spans:
        before = (frames[1:] <= span.start) & (frames[:-1] >= span.start - 12)
        after = (frames[:-1] >= span.end) & (frames[1:] <= span.end + 14)
        edges |= before | after
    assert edges.sum() > 40 and steps[edges][:, not_blinks].max() < 0.15

    # A line added afterwards plays over the idle motion too.
    assert run_generate(text="A late line", start_frame=120) == {"FINISHED"}
    late = backend.last.weights
    got = evaluate(obj, range(125, 140))
    np.testing.assert_allclose(got[:, CHANNEL_INDEX["jawOpen"]], late[5:20, CHANNEL_INDEX["jawOpen"]], atol=1e-3)
    assert obj.data.shape_keys.animation_data.nla_tracks[0] == idle_track(obj.data.shape_keys.animation_data)

    # Removing it gives the rest pose back between lines.
    assert idle_op(remove=True) == {"FINISHED"}
    assert idle_track(obj.data.shape_keys.animation_data) is None
    rest = evaluate(obj, range(70, 110, 5))            # after line 1's decay, before the late line
    np.testing.assert_allclose(rest, 0.0, atol=1e-6)
    assert not [a for a in bpy.data.actions if a.get("unitaf_idle") is not None]


def idle_actions():
    return [a for a in bpy.data.actions if a.get("unitaf_idle") is not None]


def test_idle_fill_again_renews_it_for_new_lines_and_a_longer_scene_never_two(face):
    obj, backend = face
    scene = bpy.context.scene
    assert run_generate(text="First line", start_frame=20) == {"FINISHED"}
    assert idle_op() == {"FINISHED"}
    assert idle.stale_reason(scene, obj) == "" and len(idle_actions()) == 1
    strip = idle_track(obj.data.shape_keys.animation_data).strips[0]
    assert (strip.frame_start, strip.frame_end) == (1 - 24, 300 + 24)   # the scene's range, a second each side

    # A line past the scene's end (Extend Frame Range off): the idle motion no longer covers it.
    scene.unitaf.extend_range = False
    assert run_generate(text="A line past the end", start_frame=400) == {"FINISHED"}
    late_weights = backend.last.weights
    late = next(ln for ln in lines_of(obj) if ln.span.start == 400)
    late_end = int(late.track.strips[0].frame_end + 0.999)
    assert idle.stale_reason(scene, obj).endswith(f"now 1-{late_end}")
    held = evaluate(obj, range(340, 380))               # past the old idle clip's end: held still
    assert np.ptp(held, axis=0).max() < 1e-6
    assert idle_op(seed=3) == {"FINISHED"}
    assert f"to {late_end + 24}" in scene.unitaf.last_result
    assert idle.stale_reason(scene, obj) == "" and idle.idle_seed(obj) == 3
    anim = obj.data.shape_keys.animation_data
    assert len(idle_actions()) == 1 and anim.nla_tracks[0] == idle_track(anim)     # replaced, not added
    assert [t.name for t in anim.nla_tracks[1:]] == [ln.track.name for ln in lines_of(obj)]
    alive = evaluate(obj, range(340, 380))
    assert np.ptp(alive, axis=0).max() > 0.01           # the face lives there now
    cols = [CHANNEL_INDEX[c] for c in ("jawOpen", "browInnerUp", "mouthSmileLeft")]
    np.testing.assert_allclose(evaluate(obj, range(late.span.start, late.span.end + 1))[:, cols],
                               late_weights[: late.span.end - late.span.start + 1][:, cols], atol=1e-3)

    # A longer scene: stale again until refilled, still one idle track.
    scene.frame_end = 700
    assert idle.stale_reason(scene, obj).endswith("now 1-700")
    assert idle_op(seed=3) == {"FINISHED"}
    strip = idle_track(obj.data.shape_keys.animation_data).strips[0]
    assert (strip.frame_start, strip.frame_end) == (1 - 24, 700 + 24)
    assert idle.stale_reason(scene, obj) == "" and len(idle_actions()) == 1
