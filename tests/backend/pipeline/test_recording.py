"""The recording path: timelines from energy, DTW alignment, and recordings in, FaceAnimation out.
The A2F model here has random weights (the shipped ones may not exist): shapes and handling are tested,
not quality (that is `unitaf evaluate --mode audio`)."""

import numpy as np
import pytest
import soundfile as sf
import torch
from unitaf_backend.a2f import align, infer
from unitaf_backend.a2f.config import A2FConfig
from unitaf_backend.a2f.model import A2FModel
from unitaf_backend.a2f.runtime import TorchRuntime
from unitaf_backend.errors import BadInput
from unitaf_backend.pipeline import AnimateRequest, animate
from unitaf_backend.speech.timeline import SILENCE


def _bursts(rate, pattern):
    """Harmonic 'speech' bursts and silences: pattern of (seconds, speaking)."""
    parts = []
    for seconds, speaking in pattern:
        n = int(seconds * rate)
        t = np.arange(n) / rate
        sig = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 8)) * 0.2 if speaking else np.zeros(n)
        parts.append(sig + np.random.default_rng(n).normal(0, 1e-4, n))
    return np.concatenate(parts).astype(np.float32)


@pytest.fixture
def random_model(monkeypatch):
    torch.manual_seed(0)
    model = A2FModel(A2FConfig(adapter_hidden=16, decoder_dim=16)).eval()
    monkeypatch.setattr(infer, "load_runtime", lambda *a, **k: TorchRuntime(model))
    return model


def test_energy_timeline_finds_the_pauses():
    rate = 22050
    audio = _bursts(rate, [(0.3, False), (1.0, True), (0.6, False), (0.8, True), (0.2, False)])
    tl = align.energy_timeline(audio, rate, np.zeros(8))
    assert tl.phones[0].start == 0.0 and tl.phones[-1].end == pytest.approx(len(audio) / rate)
    for a, b in zip(tl.phones, tl.phones[1:]):
        assert a.end == pytest.approx(b.start)
    kinds = [(p.symbol == SILENCE) for p in tl.phones]
    assert kinds == [True, False, True, False, True]
    assert tl.phones[1].start == pytest.approx(0.3, abs=0.03)
    assert tl.phones[2].start == pytest.approx(1.3, abs=0.03)
    assert len(tl.sentences) == 2                                  # the 0.6 s pause splits sentences


def test_energy_timeline_of_silence_is_one_pause():
    tl = align.energy_timeline(np.zeros(16000, np.float32), 16000, np.zeros(8))
    assert [p.symbol for p in tl.phones] == [SILENCE] and tl.sentences == ()


def test_dtw_recovers_a_known_time_warp():
    rng = np.random.default_rng(0)
    b = rng.normal(size=(120, 16))
    # a = b played slower in its first half (each frame twice) and as is after
    idx = np.concatenate([np.repeat(np.arange(60), 2), np.arange(60, 120)])
    a = b[idx] + rng.normal(0, 0.05, size=(len(idx), 16))
    path = align.dtw_path(a, b)
    assert tuple(path[0]) == (0, 0) and tuple(path[-1]) == (len(a) - 1, 119)
    assert np.all(np.diff(path, axis=0) >= 0)
    mapping = align.time_map(path, 50.0, 50.0)
    # b-time 0.6 s (frame 30) is a-frame ~60.5 -> 1.21 s; b-time 2.0 s (frame 100) is a-frame 160 -> 3.21 s
    assert mapping(30.5 / 50) == pytest.approx(61.0 / 50, abs=0.03)
    assert mapping(100.5 / 50) == pytest.approx(160.5 / 50, abs=0.03)


@pytest.mark.parametrize("fps", [24.0, 30.0, 60.0])
def test_recording_to_animation_neural(random_model, fps):
    rate = 44100
    audio = _bursts(rate, [(0.2, False), (1.1, True), (0.5, False), (0.7, True)])
    anim = animate(AnimateRequest(audio=audio, sample_rate=rate, fps=fps, mode="neural"))
    duration = len(audio) / rate
    assert anim.weights.shape == (int(np.ceil(duration * fps - 1e-6)) + 1, 52)
    assert anim.weights.min() >= 0 and anim.weights.max() <= 1
    assert anim.timeline.engine == "energy" and anim.meta["mode"] == "neural"


def test_silent_recording_animates(random_model):
    anim = animate(AnimateRequest(audio=np.zeros(32000, np.float32), sample_rate=16000,
                                                       mode="neural"))
    assert np.all(np.isfinite(anim.weights))


def test_stereo_array_is_accepted(random_model):
    mono = _bursts(16000, [(1.0, True)])
    anim = animate(AnimateRequest(audio=np.stack([mono, mono], axis=1), sample_rate=16000,
                                                       mode="neural"))
    assert anim.weights.shape[0] == 31


def test_rules_mode_needs_a_transcript():
    with pytest.raises(BadInput, match="transcript"):
        animate(AnimateRequest(audio=np.zeros(16000, np.float32), sample_rate=16000,
                                                    mode="rules"))


def test_empty_recording_is_a_clear_error(random_model):
    with pytest.raises(BadInput, match="empty"):
        animate(AnimateRequest(audio=np.zeros(0, np.float32), sample_rate=16000,
                                                     mode="neural"))


def test_cli_writes_timeline_and_animation(random_model, tmp_path, capsys):
    from unitaf_backend.cli import main

    wav = tmp_path / "voice.wav"
    sf.write(wav, _bursts(48000, [(0.3, False), (1.0, True)]), 48000, subtype="PCM_16")
    out = tmp_path / "out"
    assert main(["animate", str(wav), "--mode", "neural", "--fps", "25", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["animation.csv", "animation.npz", "timeline.json"]
    data = np.load(out / "animation.npz")
    assert data["weights"].shape == (int(np.ceil(1.3 * 25)) + 1, 52)
    assert data["head"].shape == (len(data["weights"]), 3)          # head motion is on by default
    still = tmp_path / "still"
    assert main(["animate", str(wav), "--mode", "neural", "--no-head-motion", "--out", str(still)]) == 0
    assert "head" not in np.load(still / "animation.npz")


def test_cli_corrupt_wav_is_one_line_and_writes_nothing(tmp_path, capsys):
    from unitaf_backend.cli import main

    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all")
    out = tmp_path / "out"
    assert main(["animate", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a readable WAV" in err[0]
    assert not out.exists()
