"""The retargeting solver on each viseme's own ARKit signature, VRM expressions and unsided keys (pure)."""

from __future__ import annotations

import numpy as np
import pytest

from unitaf_blender.core.channels import ARKIT_CHANNELS, CHANNEL_INDEX
from unitaf_blender.core.retarget import (
    VISEME_SETS,
    expressions,
    features,
    retarget_curves,
    solver,
    viseme_weights,
)

CASES = [(vs, v) for vs in VISEME_SETS for v, sig in vs.signatures.items() if sig is not None]


def _solved(vs, x: np.ndarray) -> np.ndarray:
    names = [v for v, sig in vs.signatures.items() if sig is not None]
    sig = np.stack([features.signature_vector(vs.signatures[v]) for v in names])
    return solver.solve_viseme_weights(x, sig, features.FEATURE_WEIGHTS, 30.0), names


@pytest.mark.parametrize("vs, viseme", CASES, ids=[f"{vs.name}.{v}" for vs, v in CASES])
def test_each_signature_comes_back_as_its_viseme_alone(vs, viseme):
    x = np.tile(features.signature_vector(vs.signatures[viseme]), (12, 1))
    w, names = _solved(vs, x)
    expected = np.array([1.0 if n == viseme else 0.0 for n in names], dtype=np.float32)
    assert np.abs(w - expected).max() <= 0.05, dict(zip(names, w[6].round(3)))


OPEN_CASES = [(vs, v) for vs, v in CASES if v != vs.closed]


@pytest.mark.parametrize("vs, viseme", OPEN_CASES, ids=[f"{vs.name}.{v}" for vs, v in OPEN_CASES])
def test_each_viseme_held_in_arkit_terms_comes_back_alone(vs, viseme):
    """The same through the ARKit channels: a pose held for 0.7 s between rests (a smile held all line long
    would be the line's emotion, not a viseme), solved among all of its set."""
    pose = features.arkit_pose(vs.signatures[viseme], ARKIT_CHANNELS)
    weights = np.zeros((61, 52), dtype=np.float32)
    weights[20:41] = pose
    got = viseme_weights(weights, ARKIT_CHANNELS, vs, list(vs.signatures), 30.0)
    for name, curve in got.items():
        want = 1.0 if name == viseme else 0.0
        if vs.signatures[name] is None:      # the rest viseme is what the others leave
            want = 0.0
        assert abs(float(curve[30]) - want) <= 0.05, (name, float(curve[30]))


@pytest.mark.parametrize("vs", [vs for vs in VISEME_SETS if vs.closed], ids=lambda vs: vs.name)
def test_a_closure_between_open_vowels_is_the_closed_viseme_at_full_weight(vs):
    """'aba': open, lips together (jaw still a little open, mouthClose holding them), open again."""
    open_pose = features.arkit_pose({"aperture": 0.4, "jawOpen": 0.4, "lowerDown": 0.2}, ARKIT_CHANNELS)
    closed_pose = features.arkit_pose(vs.signatures[vs.closed], ARKIT_CHANNELS)
    weights = np.concatenate([np.tile(open_pose, (6, 1)), np.tile(closed_pose, (3, 1)),
                              np.tile(open_pose, (6, 1))])
    got = viseme_weights(weights, ARKIT_CHANNELS, vs, list(vs.signatures), 30.0)
    assert got[vs.closed][7] >= 0.9
    assert max(float(got[v][7]) for v in vs.open) <= 0.1
    assert max(float(got[v][2]) for v in vs.open) > 0.3 and got[vs.closed][2] <= 0.1


def test_smoothness_keeps_near_equal_visemes_from_trading_places():
    """A mouth half-way between E and I, with a little noise on every feature: with the smoothness term
    the two weights move far less from frame to frame than the per-frame fit alone would."""
    vs = next(s for s in VISEME_SETS if s.name == "oculus")
    between = (features.signature_vector(vs.signatures["E"]) + features.signature_vector(vs.signatures["I"])) / 2
    rng = np.random.default_rng(3)
    x = np.clip(np.tile(between, (60, 1)) + rng.normal(0, 0.01, (60, len(between))), 0, 1)
    names = [v for v, sig in vs.signatures.items() if sig is not None]
    sig = np.stack([features.signature_vector(vs.signatures[v]) for v in names])
    smooth = solver.solve_viseme_weights(x, sig, features.FEATURE_WEIGHTS, 30.0)
    raw = solver.solve_viseme_weights(x, sig, features.FEATURE_WEIGHTS, 30.0, solver.SolverSettings(smooth=0.0))
    cols = [names.index("E"), names.index("I")]
    jitter = np.abs(np.diff(smooth[:, cols], axis=0)).sum()
    assert jitter < 0.7 * np.abs(np.diff(raw[:, cols], axis=0)).sum()
    assert float(np.mean(smooth[:, cols].sum(axis=1))) > 0.6         # still read as E and I


def _arkit(n: int = 10, **values: float) -> np.ndarray:
    w = np.zeros((n, 52), dtype=np.float32)
    for name, v in values.items():
        w[:, CHANNEL_INDEX[name]] = v
    return w


def test_vrm_blinks_split_or_whole_and_gaze():
    w = _arkit(eyeBlinkLeft=1.0, eyeBlinkRight=0.6, eyeLookUpLeft=0.4, eyeLookUpRight=0.2,
               eyeLookOutLeft=0.5, eyeLookInRight=0.3)
    split = retarget_curves(w, ARKIT_CHANNELS, {"b": "vrm.blink", "l": "vrm.blinkLeft", "r": "vrm.blinkRight",
                                                "up": "vrm.lookUp", "left": "vrm.lookLeft"})
    assert split["b"][0] == pytest.approx(0.6) and split["l"][0] == pytest.approx(0.4)
    assert split["r"][0] == pytest.approx(0.0)
    assert split["up"][0] == pytest.approx(0.3) and split["left"][0] == pytest.approx(0.4)
    whole = retarget_curves(w, ARKIT_CHANNELS, {"b": "vrm.blink"})
    assert whole["b"][0] == pytest.approx(1.0)


@pytest.mark.parametrize("emotion, preset, level", [
    ("happy:0.8", "happy", 0.8), ("sad", "sad", 1.0), ("calm:0.5", "relaxed", 0.5),
    ("angry:0.6+surprised:0.3", "angry", 0.6), ([0, 0, 0, 0, 0, 0, 0.7, 0], "surprised", 0.7)])
def test_vrm_emotion_presets_follow_the_line(emotion, preset, level):
    mapping = {p: f"vrm.{p}" for p in expressions.VRM_EMOTIONS}
    got = retarget_curves(_arkit(), ARKIT_CHANNELS, mapping, emotion=emotion)
    assert got[preset][0] == pytest.approx(level)
    others = [p for p in expressions.VRM_EMOTIONS if p != preset and got[p][0] > 0]
    assert others in ([], ["surprised"])        # a mix shows its second emotion too
    neutral = retarget_curves(_arkit(), ARKIT_CHANNELS, mapping, emotion="neutral")
    assert all(float(c.max()) == 0.0 for c in neutral.values())


def test_unsided_keys_take_the_mean_and_blink_the_max():
    w = _arkit(mouthSmileLeft=0.8, mouthSmileRight=0.2, eyeBlinkLeft=0.9, eyeBlinkRight=0.1, jawOpen=0.5,
               mouthClose=0.2)
    got = retarget_curves(w, ARKIT_CHANNELS, {"smile": "mouthSmile", "blink": "eyeBlink", "open": "mouthOpen"})
    assert got["smile"][0] == pytest.approx(0.5) and got["blink"][0] == pytest.approx(0.9)
    assert got["open"][0] == pytest.approx(0.3)          # lips apart: the jaw less what mouthClose holds


def test_unknown_source_is_refused_and_out_of_range_input_is_clipped():
    with pytest.raises(ValueError, match="unknown source"):
        retarget_curves(_arkit(), ARKIT_CHANNELS, {"x": "oculus.ZZ"})
    got = retarget_curves(_arkit(jawOpen=1.7), ARKIT_CHANNELS, {"a": "oculus.aa", "s": "oculus.sil"})
    assert all(0.0 <= float(c.min()) and float(c.max()) <= 1.0 for c in got.values())
