"""Expression and life layers: emotions move the documented channels without stopping articulation."""

import numpy as np
import pytest
from face_timelines import line, timeline
from unitaf_backend.channels import CHANNEL_INDEX as C
from unitaf_backend.emotion import EMOTIONS
from unitaf_backend.errors import BadInput
from unitaf_backend.face import cues, evaluate, expression, life, mouth_emotion
from unitaf_backend.face.articulation import articulate
from unitaf_backend.face.layers import add_expression_and_life

FPS = 30.0


def animate(tl, fps=FPS, seed=0, head_motion=False, prosody=None):
    mouth = articulate(tl, fps, prosody=prosody)
    return add_expression_and_life(mouth, tl, fps, prosody=prosody, seed=seed, head_motion=head_motion)


def group_mean(weights, group):
    return float(np.mean(weights[:, [C[n] for n in evaluate.UPPER_FACE_GROUPS[group]]]))


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_each_preset_moves_its_documented_channels_and_bilabials_still_close(emotion):
    tl_neutral, tl_emotion = line("neutral"), line(emotion)
    neutral, _ = animate(tl_neutral)
    felt, _ = animate(tl_emotion)
    for group, direction in expression.MOVES[emotion].items():
        change = group_mean(felt, group) - group_mean(neutral, group)
        assert change * direction > 0.01, f"{emotion}: {group} moved {change:+.3f}, expected {direction:+d}"
    scores = evaluate.evaluate_clip(tl_emotion, felt, FPS)
    assert scores.bilabial.total >= 3 and scores.bilabial.score >= 0.95
    assert scores.emotion == f"{emotion}:1.00"


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_expression_leaves_the_speech_channels_to_the_mouth(emotion):
    tl = line(emotion)
    mouth = articulate(tl, FPS)
    weights, _ = add_expression_and_life(mouth, tl, FPS)
    times = np.arange(len(mouth)) / FPS
    emotional = mouth_emotion.emotional_mouth(mouth, expression.emotion_curve(tl, times),
                                              cues.compute(tl, times, None))
    for name in expression.ARTICULATION_ONLY:
        assert np.allclose(weights[:, C[name]], emotional[:, C[name]]), name
    for name in ("mouthPucker", "mouthFunnel", "mouthRollLower", "mouthRollUpper", "tongueOut"):
        assert np.allclose(emotional[:, C[name]], mouth[:, C[name]]), name


def test_a_smile_gives_way_to_rounding():
    tl = timeline("_:300 t:60 ˈu:250 t:60 ˈi:250 _:300", "happy")
    weights, _ = animate(tl)
    at_u, at_i = weights[round(0.485 * FPS)], weights[round(0.795 * FPS)]
    assert at_u[C["mouthSmileLeft"]] < 0.6 * at_i[C["mouthSmileLeft"]]


def test_intensity_scales_the_expression():
    half, _ = animate(line("happy:0.5"))
    full, _ = animate(line("happy:1.0"))
    assert group_mean(full, "cheekSquint") == pytest.approx(2 * group_mean(half, "cheekSquint"), rel=0.05)


def test_emotion_changes_per_sentence_and_blends_at_the_join():
    spec = "_:300 m:80 ˈa:300 _:400 m:80 ˈa:300 _:400"
    tl = timeline(spec, "happy|sad", sentence_breaks=(2,))
    weights, _ = animate(tl)
    smile, inner = weights[:, C["mouthSmileLeft"]], weights[:, C["browInnerUp"]]
    first, second = round(0.5 * FPS), round(1.3 * FPS)
    assert smile[first] > 0.3 and smile[second] < 0.05
    assert inner[second] > 0.4
    # no jump at the join: the crossfade spreads the change over several frames
    assert np.abs(np.diff(weights[:, C["cheekSquintLeft"]])).max() < 0.1


def test_life_is_deterministic_per_seed():
    tl = line()
    a, head_a = animate(tl, seed=3, head_motion=True)
    b, head_b = animate(tl, seed=3, head_motion=True)
    c, _ = animate(tl, seed=4, head_motion=True)
    assert np.array_equal(a, b) and np.array_equal(head_a, head_b)
    assert not np.array_equal(a, c)
    # head motion on or off changes nothing else
    d, none = animate(tl, seed=3, head_motion=False)
    assert none is None and np.array_equal(a, d)
    assert head_a.shape == (len(a), 3) and head_a.dtype == np.float32
    assert np.abs(head_a).max() < 0.2 and np.abs(head_a).max() > 0.005


@pytest.mark.parametrize("fps", (24.0, 30.0, 60.0))
def test_blinks_close_fully_with_natural_timing(fps):
    tl = timeline("_:400 " + " ".join(["m:80 ˈa:220 t:80 ə:120 _:200"] * 40) + " _:500")
    weights, _ = animate(tl, fps=fps, seed=1)
    lids = weights[:, C["eyeBlinkLeft"]]
    closed = lids > 0.9
    starts = np.flatnonzero(closed[1:] & ~closed[:-1])
    per_10s = 10.0 * len(starts) / tl.duration
    assert 1.5 <= per_10s <= 6.0
    # each blink is brief: the lids are more than half closed for at most ~150 ms
    half = lids > 0.5
    runs = np.diff(np.flatnonzero(np.diff(np.concatenate([[0], half.astype(int), [0]]))))[::2]
    assert runs.max() / fps <= 0.17
    assert np.array_equal(weights[:, C["eyeBlinkLeft"]], weights[:, C["eyeBlinkRight"]])


def test_blinks_favour_boundaries():
    tl = timeline("_:400 " + " ".join(["m:80 ˈa:220 t:80 ə:120 _:400"] * 30))
    near = total = 0
    for seed in range(6):
        rng = np.random.default_rng(seed)
        peaks = life.blink_times(tl.duration, tl, rng)
        bounds = np.array(life.boundaries(tl))
        near += sum(np.min(np.abs(bounds - p)) < 0.15 for p in peaks)
        total += len(peaks)
    # boundaries (with their 150 ms windows) are a fifth of the time but draw far more of the blinks
    assert near / total > 0.35


def test_gaze_moves_in_small_saccades_and_holds():
    tl = timeline("_:400 " + " ".join(["m:80 ˈa:220 t:80 ə:120 _:200"] * 30))
    weights, _ = animate(tl, fps=60.0)
    look = weights[:, [C["eyeLookOutLeft"], C["eyeLookInLeft"], C["eyeLookUpLeft"]]]
    assert 0.02 < look.max() <= 0.3
    steps = np.abs(np.diff(look, axis=0)).max(axis=1)
    assert (steps < 1e-4).mean() > 0.6      # mostly holding still


def test_brows_follow_pitch_accents():
    from unitaf_backend.speech.types import Prosody
    tl = timeline("_:300 " + " ".join(["t:80 ˈa:220 t:80 ə:120"] * 6) + " _:300")
    n = int(tl.duration * 100) + 1
    f0 = np.full(n, 110.0, np.float32)
    f0[100:130] = 160.0                       # one pitch accent at 1.0-1.3 s
    prosody = Prosody(fps=100.0, f0=f0, energy=np.full(n, 0.1, np.float32))
    weights, _ = animate(tl, prosody=prosody)
    inner = weights[:, C["browInnerUp"]]
    assert inner[round(1.15 * FPS)] > 0.1
    assert inner[round(2.5 * FPS)] < 0.02


def test_weights_are_clipped_and_bad_input_is_refused():
    tl = line("surprised")
    mouth = np.clip(articulate(tl, FPS) * 3.0, 0.0, 1.0)
    weights, _ = add_expression_and_life(mouth, tl, FPS)
    assert weights.dtype == np.float32 and weights.min() >= 0.0 and weights.max() <= 1.0
    with pytest.raises(BadInput):
        add_expression_and_life(mouth[:, :50], tl, FPS)
    with pytest.raises(BadInput):
        add_expression_and_life(mouth * np.nan, tl, FPS)
