"""Between lines the face lives (real bpy 5.0, the real backend in-process, rules mode): a happy line then a
surprised one of the same character, 0.5 s apart, as two Generate clicks with the defaults.

Outside speech no channel jumps (blinks aside: a blink closes the eye within two frames by nature), the
expression of the second line builds up across the gap instead of snapping at its first frame, and each
line's expression is there before its first phone.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "integration_bpy"))

import bpy
from addon_helpers import mesh_with_keys, run_generate

import unitaf_blender
from unitaf_blender.blender import backend_factory
from unitaf_blender.blender.lines import lines_of
from unitaf_blender.core.channels import ARKIT_CHANNELS

pytestmark = [pytest.mark.bpy, pytest.mark.slow]

FPS = 24
MAX_STEP = 0.15
BLINKS = {"eyeBlinkLeft", "eyeBlinkRight"}


class Recorder:
    """The in-process backend, remembering what it answered (to find each line's phones)."""

    def __init__(self, backend):
        self.backend, self.results = backend, []

    def info(self):
        return self.backend.info()

    def speak(self, request, progress=None, cancel=None):
        self.results.append(self.backend.speak(request, progress=progress, cancel=cancel))
        return self.results[-1]

    def close(self):
        self.backend.close()


def speech_frames(result, start: int) -> tuple[float, float]:
    """Scene frames of the first phone's start and the last phone's end (silences excluded)."""
    phones = [p for p in result.timeline["phones"] if p["word"] >= 0]
    return start + phones[0]["start"] * FPS, start + phones[-1]["end"] * FPS


@pytest.fixture(scope="module")
def two_lines():
    unitaf_blender.register()
    bpy.ops.wm.read_factory_settings(use_empty=True)
    rec = Recorder(backend_factory.make_backend("inprocess"))
    backend_factory.set_test_backend(rec)
    try:
        face = mesh_with_keys("Face", list(ARKIT_CHANNELS))
        bpy.context.scene.unitaf.target = face
        assert run_generate(text="That is wonderful news, I am so happy for you!", emotion="happy",
                            intensity=0.9, start_frame=1, mode="rules") == {"FINISHED"}
        second = lines_of(face)[0].span.end + 1 + FPS // 2          # half a second later
        assert run_generate(text="Wait, what? You did what?", emotion="surprised", intensity=0.9,
                            start_frame=second, mode="rules") == {"FINISHED"}
        spans = [line.span for line in lines_of(face)]
        frames = list(range(spans[0].start - 20, spans[1].end + 25))
        blocks = face.data.shape_keys.key_blocks
        values = []
        for f in frames:
            bpy.context.scene.frame_set(f)
            values.append([blocks[c].value for c in ARKIT_CHANNELS])
        yield np.array(frames), np.array(values), spans, rec.results
    finally:
        backend_factory.set_test_backend(None)
        rec.close()
        unitaf_blender.unregister()


def test_no_channel_jumps_outside_speech(two_lines):
    frames, values, spans, results = two_lines
    talking = np.zeros(len(frames), bool)
    for span, result in zip(spans, results):
        first, last = speech_frames(result, span.start)
        talking |= (frames >= np.floor(first) - 1) & (frames <= np.ceil(last) + 1)
    steps = np.abs(np.diff(values, axis=0))
    quiet = ~(talking[:-1] | talking[1:])                       # both frames of the step outside speech
    assert quiet.sum() > 40                                     # before, between and after the lines
    checked = [i for i, c in enumerate(ARKIT_CHANNELS) if c not in BLINKS]
    worst = steps[quiet][:, checked].max(axis=0)
    bad = {ARKIT_CHANNELS[checked[i]]: round(float(w), 3) for i, w in enumerate(worst) if w > MAX_STEP}
    assert not bad, bad


def test_the_second_expression_builds_up_across_the_gap(two_lines):
    frames, values, spans, _results = two_lines
    at = {int(f): i for i, f in enumerate(frames)}
    wide = ARKIT_CHANNELS.index("eyeWideLeft")
    smile = ARKIT_CHANNELS.index("mouthSmileLeft")
    gap = range(spans[0].end + 1, spans[1].start)
    in_gap = values[[at[f] for f in gap]]
    # The backend's expression itself starts low and swells on the line's accents, so the gap hands over
    # to the level the surprised line starts at, not to its peak.
    first_phone = int(np.floor(speech_frames(_results[1], spans[1].start)[0]))
    surprise_at_start = values[at[first_phone], wide]
    assert in_gap[0, smile] > 0.1 and in_gap[-1, smile] < in_gap[0, smile]     # the smile fades ...
    assert in_gap[-1, wide] > 0.8 * surprise_at_start > 0.05                  # ... as surprise grows
    assert in_gap[0, wide] < 0.5 * in_gap[-1, wide]
    assert np.all(np.diff(in_gap[:, wide]) >= -1e-6)                           # one way, no dip to rest


def test_expression_starts_before_the_first_phone(two_lines):
    frames, values, spans, results = two_lines
    at = {int(f): i for i, f in enumerate(frames)}
    smile = ARKIT_CHANNELS.index("mouthSmileLeft")
    wide = ARKIT_CHANNELS.index("eyeWideLeft")
    first_phone = [int(np.floor(speech_frames(r, s.start)[0])) for s, r in zip(spans, results)]
    happy_at_phone = values[at[first_phone[0]], smile]
    assert happy_at_phone > 0.2
    assert values[at[spans[0].start - 3], smile] > 0.2 * happy_at_phone        # already smiling, before the audio
    assert values[at[spans[0].start - 12], smile] == pytest.approx(0.0, abs=1e-6)   # and at rest before that
    surprised_at_phone = values[at[first_phone[1]], wide]
    line_two = [at[f] for f in range(spans[1].start, spans[1].end + 1) if f in at]
    assert values[line_two, wide].max() > 0.3                                   # the line reaches surprise
    assert surprised_at_phone > 0.05
    assert values[at[spans[1].start - 2], wide] > 0.5 * surprised_at_phone
