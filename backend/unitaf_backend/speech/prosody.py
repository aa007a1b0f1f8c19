"""Pitch and energy: measuring them frame by frame, and reshaping pitch without artefacts.

- ``analyse``: f0 (Hz, 0 where unvoiced) by YIN's cumulative mean normalised difference, and RMS energy,
  both at one frame per ``hop`` samples, frame i centred on sample i * hop + hop / 2.
- ``varispeed``: pitch level and range changed by time-varying resampling (a tape machine whose speed
  follows a smooth curve): no phase vocoder, so no phasiness or clicks. It also moves time, so it
  returns the exact map from input to output samples, and the caller moves the timeline and features
  through it; the caller asks the TTS for proportionally slower speech first so the rate is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

F0_MIN, F0_MAX = 50.0, 500.0
_WINDOW_S = 0.025
_THRESHOLD = 0.15
_VOICED_MAX = 0.4


def _frames(x: np.ndarray, hop: int, window: int, extra: int) -> np.ndarray:
    """[T, window + extra] views of x, frame i starting at i*hop + hop/2 - window/2 (zero padded)."""
    count = int(np.ceil(len(x) / hop))
    left = window // 2 - hop // 2
    padded = np.zeros(left + count * hop + window + extra, dtype=np.float32)
    padded[left:left + len(x)] = x
    length = window + extra
    return np.lib.stride_tricks.as_strided(
        padded, shape=(count, length), strides=(padded.strides[0] * hop, padded.strides[0]), writeable=False)


@dataclass(frozen=True)
class Analysis:
    f0: np.ndarray        # float32 [T] Hz, 0 unvoiced
    energy: np.ndarray    # float32 [T] RMS
    periodicity: np.ndarray  # float32 [T] 1 - CMNDF minimum (0 noise .. 1 perfectly periodic)


_BLOCK_FRAMES = 1024   # frames analysed at once: bounds memory (~50 MB) for lines of any length


def _yin_block(frames: np.ndarray, window: int, lag_min: int, lag_max: int) -> tuple[np.ndarray, ...]:
    """(period in samples, CMNDF minimum, energy of the window) per frame, YIN style."""
    count = frames.shape[0]
    n_fft = 1 << int(np.ceil(np.log2(window + lag_max + 1)))
    spec_head = np.fft.rfft(frames[:, :window], n=n_fft)
    spec_all = np.fft.rfft(frames, n=n_fft)
    acf = np.fft.irfft(np.conj(spec_head) * spec_all, n=n_fft)[:, :lag_max + 1]
    squares = np.concatenate([np.zeros((count, 1)), np.cumsum(frames.astype(np.float64) ** 2, axis=1)], axis=1)
    energy_head = squares[:, window]
    lags = np.arange(lag_max + 1)
    energy_lag = squares[:, lags + window] - squares[:, lags]
    diff = np.maximum(energy_head[:, None] + energy_lag - 2.0 * acf, 0.0)
    cum = np.cumsum(diff[:, 1:], axis=1)
    cmndf = np.ones_like(diff)
    cmndf[:, 1:] = diff[:, 1:] * lags[1:] / np.maximum(cum, 1e-12)
    search = cmndf[:, lag_min:]
    below = search < _THRESHOLD
    lag = np.where(below.any(axis=1), below.argmax(axis=1), search.argmin(axis=1))
    rows = np.arange(count)
    for _ in range(lag_max):     # walk down to the local minimum after the first dip
        nxt = np.minimum(lag + 1, search.shape[1] - 1)
        step = search[rows, nxt] < search[rows, lag]
        if not step.any():
            break
        lag = np.where(step, nxt, lag)
    best = search[rows, lag]
    # parabolic interpolation of the minimum
    left = search[rows, np.maximum(lag - 1, 0)]
    right = search[rows, np.minimum(lag + 1, search.shape[1] - 1)]
    denom = left - 2 * best + right
    shift = np.where(np.abs(denom) > 1e-12, 0.5 * (left - right) / np.where(denom == 0, 1, denom), 0.0)
    return lag + lag_min + np.clip(shift, -1, 1), best, energy_head


def analyse(x: np.ndarray, sample_rate: int, hop: int) -> Analysis:
    """f0 and RMS energy, one frame per hop samples."""
    x = np.asarray(x, dtype=np.float32)
    window = round(_WINDOW_S * sample_rate)
    lag_min = int(sample_rate / F0_MAX)
    lag_max = int(np.ceil(sample_rate / F0_MIN))
    frames = _frames(x, hop, window, lag_max)
    count = frames.shape[0]
    if count == 0:
        empty = np.zeros(0, np.float32)
        return Analysis(empty, empty, empty)
    parts = [_yin_block(frames[i:i + _BLOCK_FRAMES], window, lag_min, lag_max)
             for i in range(0, count, _BLOCK_FRAMES)]
    period, best, energy_head = (np.concatenate(p) for p in zip(*parts))
    energy = np.sqrt(energy_head / window).astype(np.float32)
    loud = energy > max(float(energy.max()) * 10 ** (-40 / 20), 1e-5)
    voiced = (best < _VOICED_MAX) & loud
    f0 = np.where(voiced, sample_rate / np.maximum(period, 1), 0.0)
    # a single voiced or unvoiced frame among the other kind is a tracking slip
    voiced = _majority3(voiced) & (f0 > 0)
    f0 = np.where(voiced, f0, 0.0)
    f0 = _drop_jumps(f0).astype(np.float32)
    return Analysis(f0=f0, energy=energy, periodicity=(1.0 - np.clip(best, 0, 1)).astype(np.float32))


def _majority3(flags: np.ndarray) -> np.ndarray:
    """Median filter of size 3 over booleans, edges repeated (scipy's mode "nearest"), in plain numpy:
    analysis runs on every line, and scipy.signal/ndimage take a second to import."""
    if len(flags) < 2:
        return flags.copy()
    padded = np.concatenate([flags[:1], flags, flags[-1:]]).astype(np.int8)
    return (padded[:-2] + padded[1:-1] + padded[2:]) >= 2


_JUMP_OCTAVES = 0.75
_JUMP_CONTEXT = 15   # frames each side (~0.17 s at 86 fps)


def _drop_jumps(f0: np.ndarray) -> np.ndarray:
    """Unvoice frames more than _JUMP_OCTAVES away from the median of the voiced frames around them:
    octave slips and periodic-looking fricatives, which would bias pitch statistics."""
    if np.count_nonzero(f0) < 3:
        return f0
    log_f0 = np.full(len(f0) + 2 * _JUMP_CONTEXT, np.nan)
    log_f0[_JUMP_CONTEXT:_JUMP_CONTEXT + len(f0)] = np.where(f0 > 0, np.log2(np.maximum(f0, 1e-9)), np.nan)
    around = np.lib.stride_tricks.sliding_window_view(log_f0, 2 * _JUMP_CONTEXT + 1)
    # all-unvoiced windows have no median (NaN: kept as is); skipping them avoids numpy's warning without
    # touching the global warning filters, which is not thread-safe (the batch synthesises on threads)
    has_voice = ~np.all(np.isnan(around), axis=1)
    median = np.full(len(f0), np.nan)
    if has_voice.any():
        median[has_voice] = np.nanmedian(around[has_voice], axis=1)
    centre = log_f0[_JUMP_CONTEXT:_JUMP_CONTEXT + len(f0)]
    jump = np.abs(centre - median) > _JUMP_OCTAVES
    return np.where(jump, 0.0, f0)


def mean_f0(f0: np.ndarray) -> float:
    """Geometric mean of the voiced frames (0 if none)."""
    voiced = f0[f0 > 0]
    return float(np.exp(np.mean(np.log(voiced)))) if len(voiced) else 0.0


def pitch_rate_curve(f0: np.ndarray, shift_semitones: float, range_factor: float,
                     smooth_frames: int = 5) -> np.ndarray:
    """Per-frame playback-rate curve that moves the pitch level by shift_semitones and scales the
    intonation range (in log-frequency, around the utterance's mean) by range_factor."""
    from scipy import ndimage   # only emotional pitch needs it: not in every line's path

    level = 2.0 ** (shift_semitones / 12.0)
    count = len(f0)
    voiced = np.flatnonzero(f0 > 0)
    if len(voiced) < 2 or abs(range_factor - 1.0) < 1e-6:
        return np.full(count, level, dtype=np.float64)
    log_f0 = np.log(f0[voiced])
    smoothed = ndimage.median_filter(log_f0, size=5, mode="nearest")
    deviation = np.clip(smoothed - smoothed.mean(), -np.log(2), np.log(2))
    log_rate = (range_factor - 1.0) * deviation
    curve = np.interp(np.arange(count), voiced, log_rate)
    curve = ndimage.uniform_filter1d(curve, size=max(1, smooth_frames), mode="nearest")
    return np.clip(level * np.exp(curve), 0.5, 2.0)


@dataclass(frozen=True)
class Warp:
    audio: np.ndarray        # float32 [M]
    out_position: np.ndarray  # float64 [N + 1]: where input sample boundary n lands in the output

    def map_sample(self, n: int | np.ndarray) -> np.ndarray:
        return np.rint(self.out_position[np.asarray(n)]).astype(np.int64)

    def source_position(self, m: np.ndarray) -> np.ndarray:
        """Input position (in samples) of output positions m."""
        return np.interp(m, self.out_position, np.arange(len(self.out_position), dtype=np.float64))


def varispeed(x: np.ndarray, frame_rate: np.ndarray, hop: int, sample_rate: int) -> Warp:
    """Play x at a speed that follows frame_rate (one value per hop, frame i centred at i*hop + hop/2).
    A rate r > 1 raises the pitch by r and shortens that stretch by r."""
    from scipy import signal

    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    centres = (np.arange(len(frame_rate)) + 0.5) * hop
    rate = np.interp(np.arange(n) + 0.5, centres, frame_rate) if len(frame_rate) else np.ones(n)
    out_position = np.concatenate([[0.0], np.cumsum(1.0 / rate)])
    top = float(rate.max()) if n else 1.0
    if top > 1.01:   # what the speed-up would push above Nyquist is removed first (no aliasing)
        sos = signal.butter(10, 0.97 / top, output="sos")
        x = signal.sosfiltfilt(sos, x)
    factor = 4      # read between samples on a 4x band-limited upsampled copy: clean, cheap
    dense = signal.resample_poly(x, factor, 1)
    length = int(np.floor(out_position[-1]))
    source = np.interp(np.arange(length) + 0.0, out_position, np.arange(n + 1, dtype=np.float64))
    audio = np.interp(source * factor, np.arange(len(dense)), dense)
    return Warp(audio=audio.astype(np.float32), out_position=out_position)
