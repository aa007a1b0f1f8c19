"""Pitch/energy analysis and the varispeed pitch shifter."""

from __future__ import annotations

import numpy as np
import pytest
from unitaf_backend.speech import prosody
from unitaf_backend.speech.synth import soft_limit

SR, HOP = 22050, 256


def _tone(f0: float, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    return (0.3 * np.sin(2 * np.pi * f0 * t) + 0.15 * np.sin(2 * np.pi * 2 * f0 * t)).astype(np.float32)


@pytest.mark.parametrize("f0", [80.0, 120.0, 220.0])
def test_f0_of_a_harmonic_tone(f0):
    a = prosody.analyse(_tone(f0), SR, HOP)
    assert len(a.f0) == int(np.ceil(SR / HOP))
    assert prosody.mean_f0(a.f0) == pytest.approx(f0, rel=0.02)
    assert a.energy.max() > 0.1


def test_silence_is_unvoiced():
    a = prosody.analyse(np.zeros(SR, np.float32), SR, HOP)
    assert not a.f0.any() and prosody.mean_f0(a.f0) == 0.0


def test_varispeed_shifts_pitch_and_maps_time():
    x = _tone(120.0)
    rate = np.full(int(np.ceil(len(x) / HOP)), 2 ** (3 / 12))
    warp = prosody.varispeed(x, rate, HOP, SR)
    assert len(warp.audio) == pytest.approx(len(x) / rate[0], abs=2)
    shifted = prosody.mean_f0(prosody.analyse(warp.audio, SR, HOP).f0)
    assert 12 * np.log2(shifted / 120.0) == pytest.approx(3.0, abs=0.2)
    assert warp.map_sample(len(x)) == pytest.approx(len(x) / rate[0], abs=1)
    assert np.abs(warp.audio).max() < 0.5


def test_rate_curve_keeps_level_and_scales_range():
    f0 = np.where(np.arange(200) % 50 < 40, 100 * 2 ** (np.sin(np.arange(200) / 10) / 4), 0.0)
    flat = prosody.pitch_rate_curve(f0, 2.0, 1.0)
    assert np.allclose(flat, 2 ** (2 / 12))
    wider = prosody.pitch_rate_curve(f0, 0.0, 1.5)
    voiced = f0 > 0
    assert np.corrcoef(np.log(wider[voiced]), np.log(f0[voiced]))[0, 1] > 0.8


def test_soft_limit_bends_only_peaks():
    x = np.array([0.0, 0.5, -0.85, 0.95, -1.4, 3.0], dtype=np.float32)
    y = soft_limit(x)
    assert np.array_equal(y[:3], x[:3])
    assert np.all(np.abs(y) <= 1.0) and np.all(np.sign(y[3:]) == np.sign(x[3:]))
    assert np.all(np.diff(soft_limit(np.linspace(0, 1.5, 100, dtype=np.float32))) > 0)


def test_varispeed_is_transparent():
    """Reading between samples adds no audible error: a shift up and back down returns the signal."""
    rng = np.random.default_rng(0)
    x = _tone(110.0) + 0.05 * np.convolve(rng.standard_normal(SR), np.ones(8) / 8, mode="same").astype(np.float32)
    frames = int(np.ceil(len(x) / HOP))
    identity = prosody.varispeed(x, np.ones(frames), HOP, SR)
    assert len(identity.audio) == len(x)
    snr = 10 * np.log10(np.sum(x ** 2) / np.sum((x - identity.audio) ** 2))
    assert snr > 50
    up = prosody.varispeed(x, np.full(frames, 2 ** (2 / 12)), HOP, SR)
    back = prosody.varispeed(up.audio, np.full(int(np.ceil(len(up.audio) / HOP)), 2 ** (-2 / 12)), HOP, SR)
    n = min(len(x), len(back.audio)) - 200
    snr = 10 * np.log10(np.sum(x[:n] ** 2) / np.sum((x[:n] - back.audio[:n]) ** 2))
    assert snr > 25


def test_voicing_slip_filter_equals_scipys_median_filter():
    from scipy import ndimage
    from unitaf_backend.speech.prosody import _majority3

    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 10, 500):
        for _ in range(20):
            v = rng.random(n) > 0.5
            want = ndimage.median_filter(v.astype(np.uint8), size=3, mode="nearest").astype(bool)
            assert (want == _majority3(v)).all()
