"""The frozen audio encoder and WAV handling: offline loading, any rate, mono/stereo, bad files."""

import socket

import numpy as np
import pytest
import soundfile as sf
from unitaf_backend import audio as audio_io
from unitaf_backend.a2f import encoder
from unitaf_backend.errors import BadInput


def _tone(rate, seconds=1.0, freq=220.0):
    t = np.arange(int(rate * seconds)) / rate
    # a vowel-like harmonic tone with a syllable-rate envelope
    sig = sum(np.sin(2 * np.pi * freq * k * t) / k for k in range(1, 6))
    return (0.3 * sig * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t))).astype(np.float32)


@pytest.fixture(scope="module")
def enc():
    return encoder.WhisperEncoder(device="cpu")


def test_loading_and_encoding_never_touch_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    fresh = encoder.WhisperEncoder(device="cpu")
    feats = fresh.encode(_tone(16000), 16000)
    assert feats.shape == (50, encoder.DIM)


@pytest.mark.parametrize("rate,seconds", [(16000, 1.0), (22050, 2.31), (44100, 0.5), (96000, 1.2), (8000, 3.0)])
def test_frames_at_50_fps_for_any_rate(enc, rate, seconds):
    feats = enc.encode(_tone(rate, seconds), rate)
    assert feats.shape == (encoder.n_frames(int(rate * seconds), rate), encoder.DIM)
    assert feats.shape[0] == int(np.ceil(seconds * 50 - 1e-9))
    assert np.all(np.isfinite(feats))


def test_same_sound_at_different_rates_gives_close_features(enc):
    a = enc.encode(_tone(16000), 16000)
    b = enc.encode(_tone(96000), 96000)
    c = enc.encode(np.zeros(16000, np.float32), 16000)
    assert np.abs(a - b).mean() < 0.5 * np.abs(a - c).mean()


def test_encoding_is_deterministic(enc):
    x = _tone(22050, 1.5)
    np.testing.assert_array_equal(enc.encode(x, 22050), enc.encode(x, 22050))


@pytest.mark.slow
def test_long_recordings_are_encoded_in_blended_windows(enc):
    x = np.tile(_tone(16000, 1.0), 40)                     # 40 s: two windows
    feats = enc.encode(x, 16000)
    assert feats.shape == (2000, encoder.DIM)
    steps = np.abs(np.diff(feats, axis=0)).mean(axis=1)
    join = int((encoder.WINDOW_S - encoder.OVERLAP_S) * encoder.FPS)
    assert steps[join - 5: join + 205].max() < 3 * np.percentile(steps, 99)


# --- WAV files ----------------------------------------------------------------------------------------

def test_stereo_is_mixed_down(tmp_path):
    left = _tone(44100)
    sf.write(tmp_path / "s.wav", np.stack([left, np.zeros_like(left)], axis=1), 44100)
    audio, rate = audio_io.read_wav(tmp_path / "s.wav")
    assert rate == 44100 and audio.ndim == 1
    np.testing.assert_allclose(audio, left / 2, atol=1e-4)


def test_8_bit_wav_reads(tmp_path):
    x = _tone(8000)
    sf.write(tmp_path / "u8.wav", x, 8000, subtype="PCM_U8")
    audio, rate = audio_io.read_wav(tmp_path / "u8.wav")
    assert rate == 8000 and audio.dtype == np.float32
    np.testing.assert_allclose(audio, x, atol=2 / 128)


def test_96_khz_wav_reads_and_encodes(tmp_path, enc):
    sf.write(tmp_path / "hi.wav", _tone(96000), 96000, subtype="PCM_24")
    audio, rate = audio_io.read_wav(tmp_path / "hi.wav")
    assert rate == 96000
    assert enc.encode(audio, rate).shape == (50, encoder.DIM)


def test_silent_wav_is_valid(tmp_path, enc):
    sf.write(tmp_path / "quiet.wav", np.zeros(16000, np.float32), 16000)
    audio, rate = audio_io.read_wav(tmp_path / "quiet.wav")
    assert np.all(audio == 0)
    assert np.all(np.isfinite(enc.encode(audio, rate)))


def test_bytes_are_accepted():
    import io
    buf = io.BytesIO()
    sf.write(buf, _tone(22050), 22050, format="WAV")
    audio, rate = audio_io.read_wav(buf.getvalue())
    assert rate == 22050 and len(audio) == 22050


@pytest.mark.parametrize("content,match", [
    (b"", "empty"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt garbage that is not a wav", "not a readable WAV"),
    (b"hello, I am a text file", "not a readable WAV"),
])
def test_corrupt_files_are_one_clear_error(tmp_path, content, match):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(BadInput, match=match):
        audio_io.read_wav(path)


def test_wav_without_samples_is_empty(tmp_path):
    sf.write(tmp_path / "empty.wav", np.zeros(0, np.float32), 16000)
    with pytest.raises(BadInput, match="empty"):
        audio_io.read_wav(tmp_path / "empty.wav")


def test_over_long_and_over_large_files_are_refused_before_reading(tmp_path):
    from dataclasses import replace

    sf.write(tmp_path / "long.wav", np.zeros(16000 * 3, np.float32), 16000)
    with pytest.raises(BadInput, match="too long"):
        audio_io.read_wav(tmp_path / "long.wav", limits=replace(audio_io.LIMITS, max_seconds=2.0))
    with pytest.raises(BadInput, match="the limit is"):
        audio_io.read_wav(tmp_path / "long.wav", limits=replace(audio_io.LIMITS, max_bytes=1000))


def test_the_service_reports_the_one_set_of_audio_limits():
    from unitaf_backend.service.config import Limits

    limits = Limits().as_dict()
    assert limits["max_audio_seconds"] == audio_io.LIMITS.max_seconds
    assert limits["max_audio_bytes"] == audio_io.LIMITS.max_bytes
    assert limits["max_upload_bytes"] >= audio_io.LIMITS.max_bytes


def test_missing_file(tmp_path):
    with pytest.raises(BadInput, match="not found"):
        audio_io.read_wav(tmp_path / "nope.wav")


@pytest.mark.parametrize("audio,rate,match", [
    (np.zeros(10, np.float32), 16000, "too short"),
    (np.full(16000, np.nan, np.float32), 16000, "NaN"),
    (np.zeros(16000, np.float32), 100, "sample rate"),
    (np.zeros((3, 3, 3), np.float32), 16000, "mono"),
])
def test_bad_samples(audio, rate, match):
    with pytest.raises(BadInput, match=match):
        audio_io.check_audio(audio, rate)


@pytest.mark.parametrize("rate", [4000, 8000, 11025, 22050, 44100, 48000, 96000])
@pytest.mark.parametrize("n", [1, 9, 4410, 44100 * 3 + 17])
def test_resampling_equals_scipys_resample_poly(rate, n):
    from math import gcd

    from scipy.signal import resample_poly

    x = (np.random.default_rng(n).normal(size=n) * 0.3).astype(np.float32)
    g = gcd(rate, 16000)
    want = resample_poly(x, 16000 // g, rate // g).astype(np.float32)
    got = audio_io.resample(x, rate, 16000)
    assert got.dtype == np.float32 and np.array_equal(got, want)        # bit for bit
