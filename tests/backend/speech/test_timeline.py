"""The timeline is the TTS's own alignment: exact, contiguous, and consistent with the audio and features."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from unitaf_backend import speech
from unitaf_backend.emotion import parse_emotion
from unitaf_backend.speech.synth import ESPEAK_FEATURE_NAMES
from unitaf_backend.speech.timeline import SILENCE, Timeline

ENGINE_VOICES = {"piper": "en_US-joe-medium", "espeak": "espeak-en-us"}


def test_phones_cover_the_audio_exactly(mixed_speech, engine):
    s = mixed_speech[engine]
    tl = s.timeline
    assert tl.engine == engine
    assert tl.duration == pytest.approx(len(s.audio) / s.sample_rate, abs=1e-9)
    assert tl.phones[0].start == 0.0
    assert tl.phones[-1].end == pytest.approx(tl.duration, abs=1e-9)
    total = sum(p.end - p.start for p in tl.phones)
    assert total == pytest.approx(len(s.audio) / s.sample_rate, abs=1e-6)


def test_phones_are_monotonic_and_do_not_overlap(mixed_speech, engine):
    phones = mixed_speech[engine].timeline.phones
    for a, b in itertools.pairwise(phones):
        assert a.start <= a.end
        assert b.start == pytest.approx(a.end, abs=1e-9)
    assert all(not (a.symbol == SILENCE and b.symbol == SILENCE) for a, b in itertools.pairwise(phones))


def test_phone_symbols_come_from_the_shared_inventory(mixed_speech, engine):
    tl = mixed_speech[engine].timeline
    symbols = {p.symbol for p in tl.phones}
    assert symbols <= speech.phone_symbols(engine)
    assert SILENCE in symbols and len(symbols) > 15
    assert any(p.stress == 1 for p in tl.phones)
    assert all(p.word == -1 for p in tl.phones if p.symbol == SILENCE)


def test_words_contain_their_phones(mixed_speech, engine):
    tl = mixed_speech[engine].timeline
    texts = [w.text.lower() for w in tl.words]
    assert texts[:5] == ["hello", "there", "how", "are", "you"]
    assert "of" in texts and "the" in texts           # eSpeak speaks "of the" as one unit; split again
    assert "three" in texts and "dollars" in texts     # normalised text
    for i, w in enumerate(tl.words):
        assert w.first_phone < w.last_phone
        inside = tl.phones[w.first_phone:w.last_phone]
        assert w.start == inside[0].start and w.end == inside[-1].end
        assert inside[0].word == i and inside[-1].word == i
        assert all(p.word in (i, -1) for p in inside)
    for k, p in enumerate(tl.phones):
        if p.word >= 0:
            w = tl.words[p.word]
            assert w.first_phone <= k < w.last_phone
    starts = [w.start for w in tl.words]
    assert starts == sorted(starts)


def test_sentences_carry_their_emotion_and_tile_the_line(mixed_speech, engine):
    tl = mixed_speech[engine].timeline
    assert len(tl.sentences) == 3
    assert tl.sentences[0].start == 0.0 and tl.sentences[-1].end == pytest.approx(tl.duration, abs=1e-9)
    for a, b in zip(tl.sentences, tl.sentences[1:]):
        assert b.start == pytest.approx(a.end, abs=1e-9)
    happy, sad = parse_emotion("happy:0.8"), parse_emotion("sad")
    np.testing.assert_allclose(tl.sentences[0].emotion, happy)
    np.testing.assert_allclose(tl.sentences[1].emotion, happy)
    np.testing.assert_allclose(tl.sentences[2].emotion, sad)


def test_features_and_prosody_line_up_with_the_audio(mixed_speech, engine):
    s = mixed_speech[engine]
    frames = s.tts_features.shape[0]
    assert s.feature_fps == pytest.approx(22050 / 256)
    assert frames * 256 == len(s.audio)
    assert s.tts_features.dtype == np.float32 and np.all(np.isfinite(s.tts_features))
    assert s.tts_features.shape[1] == (192 if engine == "piper" else len(ESPEAK_FEATURE_NAMES))
    assert len(set(ESPEAK_FEATURE_NAMES)) == len(ESPEAK_FEATURE_NAMES) == 32
    assert s.prosody is not None and s.prosody.fps == s.feature_fps
    assert s.prosody.f0.shape == s.prosody.energy.shape == (frames,)
    voiced = s.prosody.f0[s.prosody.f0 > 0]
    assert len(voiced) > frames // 5 and 50 <= np.median(voiced) <= 300
    assert s.meta["voice"] == ENGINE_VOICES[engine] and s.timeline.meta["voice"] == ENGINE_VOICES[engine]
    assert s.audio.dtype == np.float32 and np.abs(s.audio).max() <= 1.0


def test_piper_features_change_within_phones(mixed_speech):
    """The decoder-input latent varies frame to frame (it is not the constant per-phone prior)."""
    s = mixed_speech["piper"]
    steps = np.abs(np.diff(s.tts_features, axis=0)).mean(axis=1)
    centres = (np.arange(len(steps)) + 0.5) / s.feature_fps
    phones = s.timeline.phones
    starts = np.array([p.start for p in phones])
    under = [phones[i] for i in np.searchsorted(starts, centres, side="right") - 1]
    spoken = np.array([p.symbol != "_" for p in under])
    assert np.mean(steps[spoken] > 1e-4) > 0.95


def test_timeline_round_trips_through_json(mixed_speech, engine, tmp_path):
    tl = mixed_speech[engine].timeline
    tl.save(tmp_path / "timeline.json")
    assert Timeline.load(tmp_path / "timeline.json") == tl


def test_same_seed_same_speech_other_seed_other_speech():
    a = speech.synthesize("Same seed, same voice.", seed=7)
    b = speech.synthesize("Same seed, same voice.", seed=7)
    c = speech.synthesize("Same seed, same voice.", seed=8)
    np.testing.assert_array_equal(a.audio, b.audio)
    np.testing.assert_array_equal(a.tts_features, b.tts_features)
    assert len(a.audio) != len(c.audio) or not np.array_equal(a.audio, c.audio)
