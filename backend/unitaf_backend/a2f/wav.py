"""Reading and checking recorded voices: any WAV soundfile reads (8/16/24/32-bit PCM, float), any sample
rate, mono or multi-channel, into float32 mono; resampling for the audio encoder."""

from __future__ import annotations

import io
from math import gcd
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

from ..errors import BadInput

MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 4000, 384000
MIN_DURATION_S = 0.05
MAX_DURATION_S = 30 * 60.0


def read_wav(source: str | Path | bytes) -> tuple[np.ndarray, int]:
    """Decode a WAV (a path or the file's bytes) to float32 mono in [-1, 1] and its sample rate."""
    name = "the audio" if isinstance(source, (bytes, bytearray)) else str(source)
    if isinstance(source, (str, Path)) and not Path(source).is_file():
        raise BadInput(f"audio file not found: {source}")
    try:
        f = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
        data, rate = sf.read(f, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError, TypeError) as err:
        raise BadInput(f"cannot read {name} as audio (corrupt or not a WAV file?): {err}") from None
    audio = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    return check_audio(audio, int(rate), name), int(rate)


def check_audio(audio: np.ndarray, sample_rate: int, name: str = "the audio") -> np.ndarray:
    """Validate decoded samples: float32 mono, finite, a sensible rate and length. Silence is valid."""
    audio = np.asarray(audio)
    if audio.ndim == 2 and audio.shape[1] in (1, 2) and audio.shape[0] > audio.shape[1]:
        audio = audio.mean(axis=1)   # [N, channels] from a caller that did not mix down
    if audio.ndim != 1:
        raise BadInput(f"{name} must be mono samples [N], got shape {tuple(audio.shape)}")
    if not (MIN_SAMPLE_RATE <= int(sample_rate) <= MAX_SAMPLE_RATE):
        raise BadInput(f"{name} has an unsupported sample rate {sample_rate} Hz "
                       f"(supported: {MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE} Hz)")
    if audio.size == 0:
        raise BadInput(f"{name} is empty (no samples)")
    duration = audio.size / sample_rate
    if duration < MIN_DURATION_S:
        raise BadInput(f"{name} is too short ({duration * 1000:.0f} ms; at least {MIN_DURATION_S * 1000:.0f} ms)")
    if duration > MAX_DURATION_S:
        raise BadInput(f"{name} is too long ({duration / 60:.1f} min; at most {MAX_DURATION_S / 60:.0f} min)")
    audio = audio.astype(np.float32, copy=False)
    if not np.all(np.isfinite(audio)):
        raise BadInput(f"{name} contains NaN or infinite samples")
    return np.clip(audio, -1.0, 1.0)


def resample(audio: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Polyphase resampling (anti-aliased) between integer rates."""
    if src_rate == dst_rate:
        return audio.astype(np.float32, copy=False)
    g = gcd(int(src_rate), int(dst_rate))
    return resample_poly(audio, dst_rate // g, src_rate // g).astype(np.float32)
