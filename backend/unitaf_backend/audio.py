"""Recorded audio in: decoding, checking and resampling, with the one set of limits every entry shares.

The CLI, the service (uploads), the add-on's in-process path and the recording stage all decode through
``read_wav`` and check through ``check_audio``, so a file is accepted or refused the same way everywhere;
the service reports ``LIMITS`` in /v1/info and the add-on reads them from there. Any format soundfile reads
(WAV 8/16/24/32-bit PCM or float, FLAC, OGG), any sample rate in range, mono or multi-channel, becomes
float32 mono in [-1, 1]. Imports only numpy (soundfile loads on first use).

Admission comes before work: the header is read first and a file is refused by its decoded size (frames x
channels, ``LIMITS.max_decoded_samples``) before one sample is decoded, so a small compressed file that
would expand to gigabytes costs nothing; the samples are then decoded in blocks of ``DECODE_BLOCK`` frames
straight into the mono float32 array, so a multi-channel file never exists in memory at full width. A
``DecodeBudget`` bounds the bytes being decoded at once across threads (the service shares one).
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import lru_cache
from math import gcd
from pathlib import Path

import numpy as np

from .errors import BadInput, Busy


@dataclass(frozen=True)
class AudioLimits:
    min_sample_rate: int = 4000
    max_sample_rate: int = 384_000
    min_seconds: float = 0.05
    max_seconds: float = 600.0                  # ten minutes: longer takes are split by the user
    max_bytes: int = 128 * 1024 * 1024          # a file (or upload): ten minutes of 48 kHz 16-bit stereo fit
    max_decoded_samples: int = 600 * 48_000 * 2  # frames x channels: ten minutes of 48 kHz stereo

    def as_dict(self) -> dict:
        return asdict(self)


LIMITS = AudioLimits()
DECODE_BLOCK = 1 << 16                          # frames decoded per read: 64 Ki frames x channels x 4 bytes


class DecodeBusy(Busy):
    """The decode budget stayed full for the whole wait: other recordings are being decoded."""


class DecodeBudget:
    """Bytes of decoded audio allowed in memory at once, shared by every thread that decodes.

    A decode reserves its output size (frames x 4 bytes, known from the header) before it starts and gives it
    back when the caller is done with the decode; one that would pass the budget waits up to `wait_s`, then
    is refused with ``DecodeBusy``. A single decode larger than the budget is allowed when nothing else runs,
    so every file within the limits can be decoded.
    """

    def __init__(self, max_bytes: int, wait_s: float = 10.0) -> None:
        self.max_bytes = int(max_bytes)
        self.wait_s = float(wait_s)
        self._used = 0
        self._cond = threading.Condition()

    @property
    def used(self) -> int:
        return self._used

    @contextmanager
    def reserve(self, nbytes: int) -> Iterator[None]:
        nbytes = int(nbytes)
        with self._cond:
            if not self._cond.wait_for(lambda: self._used == 0 or self._used + nbytes <= self.max_bytes,
                                       timeout=self.wait_s):
                raise DecodeBusy(f"the backend is decoding {_mb(self._used)} of audio already (budget "
                                 f"{_mb(self.max_bytes)}); try again shortly")
            self._used += nbytes
        try:
            yield
        finally:
            with self._cond:
                self._used -= nbytes
                self._cond.notify_all()


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


def read_wav(source: str | Path | bytes, name: str | None = None,
             limits: AudioLimits = LIMITS, budget: DecodeBudget | None = None) -> tuple[np.ndarray, int]:
    """Decode a recording (a path or the file's bytes) to float32 mono in [-1, 1] and its sample rate.

    Rate, length and decoded size are checked from the header before the samples are read, so a file
    over a limit costs nothing; `budget` (when given) is held while decoding.
    """
    handle, name = _source(source, name, limits)
    with _readable(name):
        import soundfile as sf
        with sf.SoundFile(handle) as f:
            rate, frames = admit(f.samplerate, f.frames, f.channels, name, limits)
            if budget is None:
                return check_audio(_decode_mono(f, frames), rate, name, limits), rate
            with budget.reserve(frames * 4):
                return check_audio(_decode_mono(f, frames), rate, name, limits), rate


def read_header(source: str | Path | bytes, name: str | None = None,
                limits: AudioLimits = LIMITS) -> tuple[int, int]:
    """The admission checks alone (size, header, rate, length, decoded size) without decoding a sample:
    (sample rate, frames). What a dry run uses to say whether the real run would accept the file."""
    handle, name = _source(source, name, limits)
    with _readable(name):
        import soundfile as sf
        with sf.SoundFile(handle) as f:
            return admit(f.samplerate, f.frames, f.channels, name, limits)


def _source(source: str | Path | bytes, name: str | None, limits: AudioLimits) -> tuple[object, str]:
    """(what soundfile opens, the name to show), after the checks on the file itself (there, not empty,
    within the byte limit)."""
    is_bytes = isinstance(source, (bytes, bytearray, memoryview))
    name = name or ("the audio" if is_bytes else str(source))
    if is_bytes:
        size = len(source)
        handle: object = io.BytesIO(bytes(source))
    else:
        path = Path(source)
        if not path.is_file():
            raise BadInput(f"audio file not found: {source}" if not path.is_dir()
                           else f"{source} is a folder, not an audio file")
        size = path.stat().st_size
        handle = str(path)
    if size == 0:
        raise BadInput(f"{name} is empty (no samples)")
    if size > limits.max_bytes:
        raise BadInput(f"{name} is {_mb(size)}; the limit is {_mb(limits.max_bytes)}")
    return handle, name


@contextmanager
def _readable(name: str) -> Iterator[None]:
    """A decoder's error -> one BadInput line naming the file."""
    import soundfile as sf
    try:
        yield
    except BadInput:
        raise
    except (sf.LibsndfileError, RuntimeError, ValueError, TypeError, OverflowError) as err:
        reason = getattr(err, "error_string", None) or str(err).rsplit(": ", 1)[-1]
        raise BadInput(f"{name} is not a readable WAV file ({reason.rstrip('.')})") from None


def admit(sample_rate: int, frames: int, channels: int, name: str = "the audio",
          limits: AudioLimits = LIMITS) -> tuple[int, int]:
    """Refuse a recording by what its header says it costs: rate, length and decoded size."""
    rate, frames, channels = int(sample_rate), int(frames), int(channels)
    _check_rate(rate, name, limits)
    _check_length(frames / rate, name, limits)
    if channels < 1:
        raise BadInput(f"{name} has no audio channels")
    if frames * channels > limits.max_decoded_samples:
        raise BadInput(f"{name} decodes to {frames * channels:,} samples ({channels} channels x {frames:,} "
                       f"frames); the limit is {limits.max_decoded_samples:,} (ten minutes of 48 kHz stereo)")
    return rate, frames


def _decode_mono(f, frames: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Read `frames` frames block by block, each mixed down to mono into one preallocated array."""
    out = np.empty(frames, np.float32)
    done = 0
    while done < frames:
        block = f.read(min(DECODE_BLOCK, frames - done), dtype="float32", always_2d=True)
        n = block.shape[0]
        if n == 0:
            break                        # the header promised more than the file holds: keep what is there
        out[done:done + n] = block.mean(axis=1, dtype=np.float32) if block.shape[1] > 1 else block[:, 0]
        done += n
    return out[:done]


def _check_rate(sample_rate: int, name: str, limits: AudioLimits) -> None:
    if not (limits.min_sample_rate <= int(sample_rate) <= limits.max_sample_rate):
        raise BadInput(f"{name} has an unsupported sample rate {sample_rate} Hz "
                       f"(supported: {limits.min_sample_rate}-{limits.max_sample_rate} Hz)")


def _check_length(duration: float, name: str, limits: AudioLimits) -> None:
    if duration <= 0:
        raise BadInput(f"{name} is empty (no samples)")
    if duration < limits.min_seconds:
        raise BadInput(f"{name} is too short ({duration * 1000:.0f} ms; at least {limits.min_seconds * 1000:.0f} ms)")
    if duration > limits.max_seconds:
        raise BadInput(f"{name} is too long ({duration:.1f} s; at most {limits.max_seconds:g} s)")


def check_audio(audio: np.ndarray, sample_rate: int, name: str = "the audio",
                limits: AudioLimits = LIMITS) -> np.ndarray:
    """Validate decoded samples: float32 mono, finite, a sensible rate and length. Silence is valid."""
    audio = np.asarray(audio)
    if audio.ndim == 2 and audio.shape[1] in (1, 2) and audio.shape[0] > audio.shape[1]:
        audio = audio.mean(axis=1)   # [N, channels] from a caller that did not mix down
    if audio.ndim != 1:
        raise BadInput(f"{name} must be mono samples [N], got shape {tuple(audio.shape)}")
    _check_rate(sample_rate, name, limits)
    if audio.size == 0:
        raise BadInput(f"{name} is empty (no samples)")
    _check_length(audio.size / sample_rate, name, limits)
    audio = audio.astype(np.float32, copy=False)
    if not np.all(np.isfinite(audio)):
        raise BadInput(f"{name} contains NaN or infinite samples")
    return np.clip(audio, -1.0, 1.0)


def resample(audio: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Polyphase resampling (anti-aliased) between integer rates, in plain numpy.

    Bit for bit what scipy.signal.resample_poly gives on float32 audio (its Kaiser-windowed sinc, beta 5, ten
    zero crossings per side of the slower rate, float32 arithmetic in its order of summation), so features,
    scores and training corpora are unchanged, without loading scipy.signal (a second) on every run.
    """
    x = np.asarray(audio, dtype=np.float32)
    g = gcd(int(src_rate), int(dst_rate))
    up, down = int(dst_rate) // g, int(src_rate) // g
    if up == down:
        return x.copy()
    bank, pre_remove = _polyphase_bank(up, down)
    per = bank.shape[1]                              # input samples under the filter for one output
    n_out = -(-len(x) * up // down)
    last = (n_out - 1 + pre_remove) * down // up     # the latest input sample any output sees
    padded = np.zeros(per + max(last + 1, len(x)) + 1, np.float32)
    padded[per: per + len(x)] = x
    views = np.lib.stride_tricks.sliding_window_view(padded, per)    # views[k] = samples k - per .. k - 1
    out = np.empty(n_out, np.float32)
    chunk = max(1, (1 << 22) // per)                # bound the [outputs, taps] working set
    for a in range(0, n_out, chunk):
        t = (np.arange(a, min(n_out, a + chunk)) + pre_remove) * down    # position in the upsampled signal
        taps, window = bank[t % up], views[t // up + 1]
        acc = np.zeros(len(t), np.float32)
        for j in range(per):                         # oldest sample first, one tap at a time: scipy's order
            acc += taps[:, j] * window[:, j]
        out[a:a + len(t)] = acc
    return out


@lru_cache(maxsize=16)
def _polyphase_bank(up: int, down: int) -> tuple[np.ndarray, int]:
    """([phase, tap] filter taps scaled by `up`, oldest sample's tap first; output samples to skip) of
    resample_poly's default design."""
    max_rate = max(up, down)
    half_len = 10 * max_rate
    numtaps = 2 * half_len + 1
    m = np.arange(numtaps) - 0.5 * (numtaps - 1)
    cutoff = 1.0 / max_rate
    h = cutoff * np.sinc(cutoff * m) * _kaiser(numtaps, 5.0)
    h = (h / h.sum()).astype(np.float32) * np.float32(up)   # float32 from here on, as scipy does for float32 audio
    pre_pad = down - half_len % down
    taps = np.concatenate([np.zeros(pre_pad, np.float32), h])
    per = -(-len(taps) // up)
    bank = np.concatenate([taps, np.zeros(per * up - len(taps), np.float32)]).reshape(per, up).T
    return np.ascontiguousarray(bank[:, ::-1]), (half_len + pre_pad) // down


def _kaiser(n: int, beta: float) -> np.ndarray:
    """The symmetric Kaiser window, with the Bessel I0 evaluated as scipy.special does (Cephes' Chebyshev
    series and the C library's exp), so the filter taps equal scipy's to the last bit."""
    k = np.arange(0, n, dtype=np.float64)
    alpha = (n - 1) / 2.0
    return _i0(beta * np.sqrt(1 - ((k - alpha) / alpha) ** 2.0)) / _i0(np.array([beta]))[0]


def _i0(x: np.ndarray) -> np.ndarray:
    try:                                              # numpy's own copy of Cephes' coefficients
        from numpy.lib._function_base_impl import _i0A, _i0B  # type: ignore[attr-defined]
    except ImportError:
        from numpy.lib.function_base import _i0A, _i0B  # type: ignore[attr-defined,no-redef]
    x = np.abs(np.asarray(x, dtype=np.float64))
    exp = np.vectorize(math.exp, otypes=[float])      # libm's exp, as the C series uses (numpy's differs by ulps)
    out = np.empty_like(x)
    small = x <= 8.0
    out[small] = exp(x[small]) * _chebyshev(x[small] / 2.0 - 2, _i0A)
    big = x[~small]
    out[~small] = exp(big) * _chebyshev(32.0 / big - 2.0, _i0B) / np.sqrt(big)
    return out


def _chebyshev(x: np.ndarray, coefficients) -> np.ndarray:  # type: ignore[no-untyped-def]
    b0, b1, b2 = np.full_like(x, coefficients[0]), np.zeros_like(x), np.zeros_like(x)
    for c in coefficients[1:]:
        b2, b1 = b1, b0
        b0 = x * b1 - b2 + c
    return 0.5 * (b0 - b2)
