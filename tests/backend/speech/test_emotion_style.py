"""Each emotion preset changes the voice in the documented direction (duration, mean f0, RMS)."""

from __future__ import annotations

import numpy as np
import pytest
from unitaf_backend import speech
from unitaf_backend.emotion import EMOTIONS, emotion_vector, parse_emotion
from unitaf_backend.errors import BadInput
from unitaf_backend.speech import prosody
from unitaf_backend.speech.style import EMOTION_STYLES, Style, VoiceSettings, style_for

ENGINE_VOICES = {"piper": "en_US-joe-medium", "espeak": "espeak-en-us"}

TEXT = "I never thought we would see the ocean again, and the waves were bright."


def _measure(s: speech.Speech) -> np.ndarray:
    return np.array([s.duration, prosody.mean_f0(s.prosody.f0), np.sqrt(np.mean(s.audio.astype(np.float64) ** 2))])


@pytest.fixture(scope="module", params=[pytest.param("piper", marks=pytest.mark.slow), "espeak"])
def measured(request: pytest.FixtureRequest) -> dict[str, np.ndarray]:
    voice = ENGINE_VOICES[request.param]
    return {name: _measure(speech.synthesize(TEXT, emotion=name, voice=voice, seed=0))
            for name in ("neutral",) + EMOTIONS}


@pytest.mark.parametrize("name", EMOTIONS)
def test_preset_changes_voice_in_documented_direction(measured, name):
    style = EMOTION_STYLES[name]
    expected = np.sign([style.duration - 1.0, style.pitch_semitones, style.gain_db])
    duration, f0, rms = measured[name] / measured["neutral"]
    observed = np.sign([duration - 1.0, np.log(f0), np.log(rms)])
    assert observed.tolist() == expected.tolist(), (
        f"{name}: duration x{duration:.3f}, f0 {12 * np.log2(f0):+.2f} st, rms {20 * np.log10(rms):+.2f} dB")
    # and measurably so, not by a hair
    assert abs(duration - 1.0) > 0.03 and abs(12 * np.log2(f0)) > 0.5 and abs(20 * np.log10(rms)) > 0.5


def test_table_has_every_preset_and_no_neutral_entry():
    assert tuple(EMOTION_STYLES) == EMOTIONS
    assert style_for(emotion_vector("neutral")) == Style()


def test_intensity_scales_and_mixes_combine():
    full, half = style_for(emotion_vector("happy", 1.0)), style_for(emotion_vector("happy", 0.5))
    assert half.gain_db == pytest.approx(full.gain_db / 2)
    assert half.duration == pytest.approx(full.duration ** 0.5)
    mix = style_for(parse_emotion("happy:0.5+sad:0.5"))
    happy, sad = EMOTION_STYLES["happy"], EMOTION_STYLES["sad"]
    assert mix.pitch_semitones == pytest.approx(0.5 * happy.pitch_semitones + 0.5 * sad.pitch_semitones)
    over = style_for(parse_emotion("happy:1+angry:1"))          # intensities summing over 1 are scaled down
    assert over.gain_db == pytest.approx(0.5 * (happy.gain_db + EMOTION_STYLES["angry"].gain_db))


def test_settings_apply_on_top_and_are_checked():
    s = style_for(emotion_vector("sad"), VoiceSettings(rate=2.0, pitch_semitones=1.0, gain_db=-1.0))
    sad = EMOTION_STYLES["sad"]
    assert s.duration == pytest.approx(sad.duration / 2.0)
    assert s.pitch_semitones == pytest.approx(sad.pitch_semitones + 1.0)
    assert s.gain_db == pytest.approx(sad.gain_db - 1.0)
    for bad in ({"rate": 0.0}, {"pitch_semitones": 30.0}, {"noise_scale": -1.0}, {"pitch_range": 5.0}):
        with pytest.raises(BadInput):
            VoiceSettings(**bad)


def test_settings_change_piper_speech():
    slow = speech.synthesize("A short line to speak.", settings=VoiceSettings(rate=0.7))
    fast = speech.synthesize("A short line to speak.", settings=VoiceSettings(rate=1.4))
    assert slow.duration > fast.duration * 1.4
    assert slow.timeline.phones[-1].end == pytest.approx(slow.duration, abs=1e-9)


def test_pitch_range_widens_and_narrows_intonation():
    def spread(s: speech.Speech) -> float:
        f0 = s.prosody.f0[s.prosody.f0 > 0]
        return float(np.std(np.log2(f0)))

    text = "Really? I had no idea you were coming home so soon!"
    narrow = speech.synthesize(text, settings=VoiceSettings(pitch_range=0.5))
    wide = speech.synthesize(text, settings=VoiceSettings(pitch_range=1.6))
    assert spread(wide) > 1.3 * spread(narrow)
