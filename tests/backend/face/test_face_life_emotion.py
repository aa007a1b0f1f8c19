"""Head and eyes with the emotion: blink rate and length, gaze, head posture and nods, one table."""

import numpy as np
import pytest
from face_timelines import timeline
from unitaf_backend.emotion import EMOTIONS, emotion_vector
from unitaf_backend.face import cues as prosodic_cues
from unitaf_backend.face import expression, life
from unitaf_backend.face.articulation import articulate
from unitaf_backend.face.layers import add_expression_and_life

FPS = 30.0
LONG = "_:400 " + " ".join(["m:80 ˈa:220 t:80 ə:120 _:200"] * 40) + " _:500"     # 28 s of speech


def life_of(emotion, seed, spec=LONG):
    tl = timeline(spec, emotion)
    times = np.arange(int(tl.duration * FPS)) / FPS
    cues = prosodic_cues.compute(tl, times, None)
    emotions = expression.emotion_curve(tl, times)
    return tl, life.life_channels(times, FPS, tl, cues, emotions, seed, True)


def blinks_and_length(emotion):
    count, closed_s = 0, []
    for seed in range(4):
        _, (blink, _, _, _) = life_of(emotion, seed)
        closed = blink > 0.5
        edges = np.flatnonzero(np.diff(np.concatenate([[0], closed.astype(int), [0]])))
        count += len(edges) // 2
        closed_s += list((edges[1::2] - edges[::2]) / FPS)
    return count, float(np.mean(closed_s))


def test_blink_rate_and_length_follow_the_table():
    neutral, neutral_len = blinks_and_length("neutral")
    afraid, _ = blinks_and_length("afraid")
    calm, calm_len = blinks_and_length("calm")
    sad, sad_len = blinks_and_length("sad")
    assert afraid > 1.2 * neutral and calm < 0.9 * neutral and sad < neutral
    assert calm_len > 1.2 * neutral_len and sad_len > neutral_len      # slow blinks


def test_gaze_sad_looks_down_afraid_darts_angry_holds():
    def gaze(emotion):
        return np.concatenate([life_of(emotion, seed)[1][1] for seed in range(3)])

    neutral, sad, afraid, angry = gaze("neutral"), gaze("sad"), gaze("afraid"), gaze("angry")
    assert sad[:, 1].mean() < neutral[:, 1].mean() - 0.05
    shifts = {name: int((np.abs(np.diff(g, axis=0)).max(axis=1) > 1e-3).sum())
              for name, g in (("neutral", neutral), ("afraid", afraid))}
    assert shifts["afraid"] > 2 * shifts["neutral"]                     # darting: many more saccades
    assert np.abs(angry).mean() < np.abs(neutral).mean()                # a steadier, straighter stare


def test_head_is_on_by_default_nods_on_stresses_and_takes_the_emotion_s_posture():
    spec = "_:400 " + " ".join(["t:80 ˈa:220 t:80 ə:120 ə:200"] * 8) + " _:400"
    tl = timeline(spec)
    weights, head = add_expression_and_life(articulate(tl, FPS), tl, FPS)
    assert head is not None and head.shape == (len(weights), 3) and np.abs(head).max() < 0.12
    times = np.arange(len(weights)) / FPS
    stress = prosodic_cues.compute(tl, times, None).stress
    drift_free = head[:, 1] - np.convolve(head[:, 1], np.ones(31) / 31, mode="same")
    assert np.corrcoef(stress[20:-20], drift_free[20:-20])[0, 1] > 0.3     # nods with the stresses
    means = {}
    for emotion in ("neutral", "sad", "happy", "surprised"):
        tl_e = timeline(spec, emotion)
        _, h = add_expression_and_life(articulate(tl_e, FPS), tl_e, FPS)
        means[emotion] = h.mean(axis=0)
    assert means["sad"][1] > means["neutral"][1] + 0.04                # head down
    assert means["happy"][2] > means["neutral"][2] + 0.015             # tilted
    assert means["surprised"][1] < means["neutral"][1] - 0.02          # lifted


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_the_manner_of_a_preset_is_its_table_row_and_intensity_mixes_towards_neutral(emotion):
    row = life.MANNERS[emotion]
    got = life.manner(emotion_vector(emotion))
    for name in row.__dataclass_fields__:
        assert getattr(got, name) == pytest.approx(getattr(row, name)), name
    half = life.manner(emotion_vector(emotion, 0.5))
    assert half.gaze_away == pytest.approx(0.5 * (row.gaze_away + life.Manner().gaze_away))
