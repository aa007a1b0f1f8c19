"""Emotion heard in a recording: the prosody estimator on our TTS's presets, short clips, `--emotion auto`."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from unitaf_backend import prosody_emotion as pe
from unitaf_backend.emotion import emotion_vector

VOICE = "espeak-en-gb+f2"         # one of the voices the shipped model was not tuned on
TEXT = "Before lunch, Bob promised to mop the floor of the big room."
HIGH = {"happy", "angry", "afraid", "surprised"}
LOW = {"sad", "melancholic", "calm"}


def heard(preset, seed=0):
    from unitaf_backend import speech
    s = speech.synthesize(TEXT, emotion=emotion_vector(preset), voice=VOICE, seed=seed)
    return pe.estimate(s.audio, s.sample_rate)[0]


def test_the_shipped_model_was_fitted_on_these_features_and_other_voices():
    from unitaf_backend.a2f.corpus import HELD_OUT_VOICES
    model = pe.shipped_model()
    assert model.presets[0] == "neutral" and len(model.presets) == 9
    data = json.loads((Path(pe.__file__).parent / "data" / pe.MODEL_FILE).read_text())
    assert not set(data["tuning_voices"]) & set(HELD_OUT_VOICES) and VOICE in HELD_OUT_VOICES


def test_neutral_is_heard_neutral_and_arousal_is_told_apart_on_an_unheard_voice():
    assert heard("neutral").label == "neutral" and heard("neutral").emotion == (0.0,) * 8
    assert heard("angry").label in HIGH and heard("surprised").label in HIGH
    loud, quiet = heard("angry"), heard("melancholic")
    assert quiet.label in LOW
    assert max(loud.emotion) > 0.25 and sum(loud.emotion) <= 1.0 + 1e-6


def test_a_clip_too_short_to_tell_is_neutral_and_says_so():
    rate = 22050
    t = np.arange(int(0.3 * rate)) / rate
    clip = (0.3 * np.sin(2 * np.pi * 140 * t)).astype(np.float32)
    (h,) = pe.estimate(clip, rate)
    assert h.label == "neutral" and h.emotion == (0.0,) * 8 and "too short" in h.note


def test_animate_with_emotion_auto_on_a_short_clip(tmp_path):
    rate = 16000
    t = np.arange(int(0.3 * rate)) / rate
    sf.write(tmp_path / "clip.wav", (0.3 * np.sin(2 * np.pi * 140 * t)).astype(np.float32), rate)
    run = subprocess.run([sys.executable, "-m", "unitaf_backend", "animate", str(tmp_path / "clip.wav"),
                          "--emotion", "auto", "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr
    timeline = json.loads((tmp_path / "out" / "timeline.json").read_text())
    heard_ = timeline["meta"]["emotion_heard"]
    assert heard_ and all(h["label"] == "neutral" for h in heard_)
    assert "too short" in run.stderr or "too little" in run.stderr
    assert all(s["emotion"] == [0.0] * 8 for s in timeline["sentences"])


@pytest.mark.parametrize("spec", ["auto", " AUTO "])
def test_auto_is_recognised(spec):
    assert pe.is_auto(spec) and not pe.is_auto("happy") and not pe.is_auto(None)


def test_animate_auto_drives_the_face_with_what_it_hears():
    from unitaf_backend import pipeline, speech
    s = speech.synthesize(TEXT + " " + TEXT, emotion=emotion_vector("surprised"), voice=VOICE, seed=1)
    anim = pipeline.animate(pipeline.AnimateRequest(audio=s.audio, sample_rate=s.sample_rate, emotion="auto",
                                                    mode="neural"))
    heard_ = anim.meta["emotion_heard"]
    assert heard_ and len(heard_) == len(anim.timeline.sentences)
    assert any(h["label"] in HIGH for h in heard_)
    assert any(max(sent.emotion) > 0 for sent in anim.timeline.sentences)
