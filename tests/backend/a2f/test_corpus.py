"""Training text, augmentation and the choice of features (no TTS needed)."""

import re

import numpy as np
import pytest
import torch
from unitaf_backend.a2f import corpus, infer
from unitaf_backend.a2f.config import PIPER_FEATURE_FPS, A2FConfig
from unitaf_backend.a2f.corpus_text import sentences, vocabulary
from unitaf_backend.a2f.model import A2FModel
from unitaf_backend.speech.timeline import SILENCE, Phone, Sentence, Timeline
from unitaf_backend.speech.types import Speech


def test_sentences_are_many_distinct_deterministic_and_exclude_held_out():
    a = sentences(3000, seed=1)
    assert len(a) == 3000 and len({s.lower() for s in a}) == 3000
    assert a == sentences(3000, seed=1) and a != sentences(3000, seed=2)
    banned = set(a[:10])
    b = sentences(3000, seed=1, exclude=banned)
    assert not banned & set(b)
    text = " ".join(a).lower()
    for needle in (" p", " b", " m", " f", " v", " w", "oo"):   # articulation coverage
        assert text.count(needle) > 100


def test_sentences_use_a_large_vocabulary_without_the_held_out_words():
    held_out = {"The zebra sang under the walnut tree.", "Buy the velvet banjo."}
    text = " ".join(sentences(4000, seed=3, exclude=held_out)).lower()
    words = set(re.findall(r"[a-z']+", text))
    assert len(words) > 1500                       # sounds in many contexts, not a few hundred words
    assert {"zebra", "walnut", "banjo"} <= set(vocabulary()["nouns"]) and "sing/sang" in vocabulary()["verbs"]
    assert not {"zebra", "walnut", "banjo", "sing", "sang"} & words    # a verb goes with both its forms
    assert {"nouns", "adjectives", "verbs", "names"} <= set(vocabulary())
    assert all(v.count("/") == 1 for v in vocabulary()["verbs"])


def test_held_out_voices_are_never_training_voices():
    pytest.importorskip("espeakng_loader")
    train = set(corpus.training_voices())
    assert train and not train & set(corpus.HELD_OUT_VOICES)


def test_augmentation_keeps_length_and_reports_speed():
    rate = 22050
    audio = (0.3 * np.sin(np.arange(rate * 2) * 0.05)).astype(np.float32)
    speeds = set()
    for seed in range(20):
        out, new_rate, speed = corpus.augment(audio, rate, np.random.default_rng(seed), 1.0)
        assert len(out) == len(audio) and np.all(np.abs(out) <= 1.0) and np.all(np.isfinite(out))
        assert new_rate / rate == pytest.approx(speed)
        speeds.add(speed)
    assert 1.0 in speeds and len(speeds) > 3


def _speech(features: np.ndarray, duration: float = 1.0) -> Speech:
    rate = 16000
    phones = (Phone(SILENCE, 0.0, 0.3), Phone("a", 0.3, 0.7), Phone(SILENCE, 0.7, duration))
    tl = Timeline(phones=phones, words=(), sentences=(Sentence("a", 0.3, 0.7, (0.0,) * 8),), duration=duration)
    t = np.arange(int(rate * duration)) / rate
    return Speech(audio=(0.1 * np.sin(2 * np.pi * 200 * t)).astype(np.float32), sample_rate=rate, timeline=tl,
                  tts_features=features, feature_fps=PIPER_FEATURE_FPS, emotion=np.zeros(8, np.float32))


def test_piper_features_go_through_the_adapter_others_through_the_encoder(monkeypatch):
    torch.manual_seed(0)
    model = A2FModel(A2FConfig(adapter_hidden=16, decoder_dim=16)).eval()
    piper = _speech(np.random.default_rng(0).normal(size=(87, 192)).astype(np.float32))
    espeak = _speech(np.zeros((87, 32), np.float32))
    assert infer.uses_adapter(piper, model.cfg) and not infer.uses_adapter(espeak, model.cfg)
    calls = []
    from unitaf_backend.a2f import encoder
    real = encoder.shared_encoder

    def spy(*a, **k):
        calls.append(1)
        return real(*a, **k)
    monkeypatch.setattr(encoder, "shared_encoder", spy)
    a = infer.predict_from_speech(piper, 30.0, model)
    assert not calls
    b = infer.predict_from_speech(espeak, 30.0, model)
    assert calls
    assert a.shape == b.shape == (31, 52)
