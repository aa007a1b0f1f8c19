"""Fusing the decoder's mouth with the rules' phonetic targets (pure logic on hand-made weights)."""

import numpy as np
import pytest
from unitaf_backend.channels import CHANNEL_INDEX as C
from unitaf_backend.face import mouth_fusion as F
from unitaf_backend.speech.timeline import SILENCE, Phone, Timeline

FPS = 100.0


def _timeline(*phones):
    return Timeline(phones=tuple(Phone(s, a, b) for s, a, b in phones), words=(), sentences=(),
                    duration=phones[-1][2], engine="aligned")


def _jaw_bump(n, centre, width=8.0):
    t = np.arange(n)
    return np.exp(-0.5 * ((t - centre) / width) ** 2)


def test_timing_shift_finds_how_late_the_rules_run():
    n = 200
    neural, rules = _jaw_bump(n, 80), _jaw_bump(n, 86)          # rules 60 ms late
    assert F.timing_shift(neural, rules, FPS) == pytest.approx(0.06, abs=0.004)
    assert F.timing_shift(rules, neural, FPS) == pytest.approx(-0.06, abs=0.004)
    assert F.timing_shift(np.zeros(n), rules, FPS) == 0.0       # nothing to line up with


def test_shape_channels_take_either_gesture_and_others_stay_neural():
    n = 100
    tl = _timeline(("a", 0.0, 1.0))
    neural = np.zeros((n, 52))
    rules = np.zeros((n, 52))
    neural[:, C["jawOpen"]] = rules[:, C["jawOpen"]] = 0.3 * _jaw_bump(n, 50)
    neural[20:30, C["mouthPucker"]] = 0.4
    rules[60:70, C["mouthRollLower"]] = 0.3
    neural[:, C["mouthSmileLeft"]] = 0.2
    rules[:, C["mouthSmileLeft"]] = 0.9
    out = F.fuse_mouths(neural, rules, tl, FPS)
    assert out.dtype == np.float32 and out.shape == (n, 52)
    assert np.allclose(out[20:30, C["mouthPucker"]], 0.4) and np.allclose(out[60:70, C["mouthRollLower"]], 0.3)
    assert np.allclose(out[:, C["mouthSmileLeft"]], 0.2)             # not a channel the rules are trusted on


def test_jaw_opens_in_speech_rests_in_pauses_and_either_closure_seals():
    n = 150
    tl = _timeline(("a", 0.0, 0.5), (SILENCE, 0.5, 1.0), ("m", 1.0, 1.5))
    neural = np.zeros((n, 52))
    rules = np.zeros((n, 52))
    neural[:, C["jawOpen"]] = 0.15                       # the decoder: half open everywhere, no closure
    rules[:50, C["jawOpen"]] = 0.5 * _jaw_bump(50, 25)   # the rules: a wide vowel, rest, a sealed m
    rules[100:, C["jawOpen"]] = 0.1
    rules[100:, C["mouthClose"]] = 0.1
    out = F.fuse_mouths(neural, rules, tl, FPS)
    jaw, close = out[:, C["jawOpen"]], out[:, C["mouthClose"]]
    assert jaw[25] == pytest.approx(0.5, abs=0.02)        # the open vowel is open
    assert np.all(jaw[62:88] < 1e-6)                      # the pause rests (the rules' rest wins)
    assert np.all(jaw[110:140] - close[110:140] <= 1e-6)  # the rules' closure seals the fused jaw
    assert np.all(close <= jaw + 1e-6)


def test_fusion_is_deterministic_and_checks_shapes():
    tl = _timeline(("a", 0.0, 1.0))
    rng = np.random.default_rng(0)
    a, b = rng.random((100, 52)), rng.random((100, 52))
    assert np.array_equal(F.fuse_mouths(a, b, tl, FPS), F.fuse_mouths(a, b, tl, FPS))
    with pytest.raises(ValueError, match="shape"):
        F.fuse_mouths(a, b[:50], tl, FPS)
