"""Emotion in the mouth: jaw range by emotion and effort, lip shapes, seals that always hold."""

import numpy as np
import pytest
from face_timelines import line
from unitaf_backend.channels import CHANNEL_INDEX as C
from unitaf_backend.emotion import EMOTIONS, PRESETS, emotion_vector
from unitaf_backend.face import cues as prosodic_cues
from unitaf_backend.face import evaluate, expression, mouth_emotion, seals
from unitaf_backend.face.articulation import articulate
from unitaf_backend.face.layers import add_expression_and_life
from unitaf_backend.pipeline.mouth import mouth, source_for, spoken_input

FPS = 30.0


def shaped(tl, mouth=None, prosody=None):
    mouth = articulate(tl, FPS, prosody=prosody) if mouth is None else mouth
    times = np.arange(len(mouth)) / FPS
    emotions = expression.emotion_curve(tl, times)
    return mouth, mouth_emotion.emotional_mouth(mouth, emotions, prosodic_cues.compute(tl, times, prosody))


def jaw_range(weights, tl):
    first, last = prosodic_cues.speech_span(tl)
    t = np.arange(len(weights)) / FPS
    jaw = weights[(t >= first) & (t <= last), C["jawOpen"]]
    return float(np.percentile(jaw, 95) - np.percentile(jaw, 5))


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_seals_hold_and_only_the_jaw_and_lip_shapes_change(emotion):
    mouth, out = shaped(line(emotion))
    gap_before = mouth[:, C["jawOpen"]] - mouth[:, C["mouthClose"]]
    gap_after = out[:, C["jawOpen"]] - out[:, C["mouthClose"]]
    together = gap_before <= evaluate.LIPS_TOGETHER_MAX
    assert together.sum() > 5 and np.all(gap_after[together] <= gap_before[together] + 1e-9)
    assert np.all(out[:, C["mouthClose"]] <= out[:, C["jawOpen"]] + 1e-9)
    for name in ("mouthPucker", "mouthFunnel", "mouthRollLower", "mouthRollUpper", "tongueOut"):
        assert np.array_equal(out[:, C[name]], mouth[:, C[name]])
    assert out.min() >= 0.0 and out.max() <= 1.0


def test_the_jaw_opens_wider_when_angry_and_narrower_when_sad_or_calm():
    neutral = jaw_range(shaped(line("neutral"))[1], line())
    angry = jaw_range(shaped(line("angry"))[1], line())
    sad = jaw_range(shaped(line("sad"))[1], line())
    calm = jaw_range(shaped(line("calm"))[1], line())
    assert angry > 1.15 * neutral and sad < 0.92 * neutral and calm < neutral
    assert angry > 1.4 * sad


def test_lip_shapes_follow_the_emotion():
    tl = line()
    mouth = articulate(tl, FPS)
    open_frames = (mouth[:, C["jawOpen"]] > 0.25) & (mouth[:, C["mouthPucker"]] < 0.1)
    closed = (mouth[:, C["jawOpen"]] - mouth[:, C["mouthClose"]] < 0.05) & (mouth[:, C["mouthClose"]] > 0.02)
    _, neutral = shaped(tl)
    _, happy = shaped(line("happy"))
    _, angry = shaped(line("angry"))
    _, sad = shaped(line("sad"))
    assert open_frames.sum() > 3 and closed.sum() > 1
    stretch = C["mouthStretchLeft"]
    assert (happy[open_frames, stretch] - neutral[open_frames, stretch]).mean() > 0.05   # spread vowels
    press = C["mouthPressLeft"]
    assert (angry[closed, press] - neutral[closed, press]).mean() > 0.05                # pressed closures
    frown = C["mouthFrownLeft"]
    assert (sad[:, frown] - neutral[:, frown]).mean() > 0.02                             # corners down


def test_seals_close_a_tts_timeline_s_bilabials_and_leave_recordings_alone():
    from dataclasses import replace
    tl = line()
    mouth = articulate(tl, FPS)
    leaky = mouth.copy()
    leaky[:, C["mouthClose"]] = 0.0                                 # a decoder that forgot to close
    for engine, closes in (("piper", True), ("espeak", True), ("aligned", False), ("energy", False)):
        sealed = seals.seal_bilabials(leaky, replace(tl, engine=engine), FPS)
        score = evaluate.evaluate_clip(tl, sealed, FPS).bilabial.score
        assert (score >= 0.95) == closes, engine
        assert np.array_equal(np.delete(sealed, C["mouthClose"], axis=1), np.delete(leaky, C["mouthClose"], axis=1))


@pytest.fixture(scope="module")
def spoken():
    from unitaf_backend import speech
    from unitaf_backend.commands.evaluate import heldout_lines
    texts = heldout_lines()[:2]
    return {p: [speech.synthesize(t, emotion=emotion_vector(p), seed=k) for k, t in enumerate(texts)]
            for p in PRESETS}


@pytest.mark.parametrize("mode", ["rules", "neural"])
def test_on_the_text_path_bilabials_close_in_every_preset_and_angry_opens_wider_than_sad(mode, spoken):
    source = source_for(mode, spoken=True)
    ranges = {}
    for preset, lines in spoken.items():
        passed = total = 0
        ranges[preset] = []
        for k, s in enumerate(lines):
            weights, _ = add_expression_and_life(mouth(source, spoken_input(s, FPS)), s.timeline, FPS, prosody=s.prosody, seed=k)
            b = evaluate.evaluate_clip(s.timeline, weights, FPS).bilabial
            passed, total = passed + b.passed, total + b.total
            ranges[preset].append(jaw_range(weights, s.timeline))
        assert total >= 3 and passed / total >= 0.95, (preset, passed, total)
    assert np.mean(ranges["angry"]) > 1.4 * np.mean(ranges["sad"]), ranges
