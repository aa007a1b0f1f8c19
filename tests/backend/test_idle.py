"""The idle clip (face/idle.py): blinks, gaze and breathing for the gaps between lines; seeded."""

import numpy as np
import pytest
from unitaf_backend.channels import CHANNEL_INDEX
from unitaf_backend.errors import BadInput
from unitaf_backend.face.idle import BREATH_PERIOD_S, IdleRequest, idle_clip

C = CHANNEL_INDEX


def test_an_idle_clip_blinks_looks_around_and_breathes():
    w = idle_clip(IdleRequest(duration=30.0, fps=24.0, seed=3))
    assert w.shape == (30 * 24 + 1, 52) and w.dtype == np.float32
    assert w.min() >= 0.0 and w.max() <= 1.0
    closed = w[:, C["eyeBlinkLeft"]] > 0.95
    blinks = int(np.sum(closed[1:] & ~closed[:-1]))
    assert 4 <= blinks <= 20                                  # a resting rate: every few seconds
    look = w[:, [C["eyeLookOutLeft"], C["eyeLookInLeft"], C["eyeLookUpLeft"], C["eyeLookDownLeft"]]]
    assert look.max() > 0.03 and np.ptp(look, axis=0).max() > 0.03   # the eyes move
    jaw = w[:, C["jawOpen"]]
    assert 0.005 < jaw.max() < 0.05                            # breathing parts the lips a little
    spectrum = np.abs(np.fft.rfft(jaw - jaw.mean()))
    freqs = np.fft.rfftfreq(len(jaw), 1 / 24.0)
    assert abs(1 / freqs[1 + np.argmax(spectrum[1:])] - BREATH_PERIOD_S) < 1.5
    untouched = [C[n] for n in ("mouthSmileLeft", "browDownLeft", "tongueOut", "mouthFunnel")]
    assert np.all(w[:, untouched] == 0.0)


def test_the_same_seed_gives_the_same_clip_and_parts_can_be_left_out():
    a = idle_clip(IdleRequest(duration=8.0, fps=30.0, seed=7))
    np.testing.assert_array_equal(a, idle_clip(IdleRequest(duration=8.0, fps=30.0, seed=7)))
    assert not np.array_equal(a, idle_clip(IdleRequest(duration=8.0, fps=30.0, seed=8)))
    still = idle_clip(IdleRequest(duration=8.0, fps=30.0, seed=7, blinks=False, gaze=False, breathing=False))
    assert np.all(still == 0.0)


@pytest.mark.parametrize("duration, fps", [(0.0, 24.0), (-1.0, 24.0), (4000.0, 24.0), (5.0, 0.5)])
def test_bad_requests_are_one_clear_error(duration, fps):
    with pytest.raises(BadInput, match="idle"):
        idle_clip(IdleRequest(duration=duration, fps=fps))
