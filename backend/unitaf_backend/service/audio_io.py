"""Audio in and out of the service: uploaded recordings are decoded here, speech leaves as 16-bit WAV."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np

from ..audio import LIMITS, DecodeBudget, read_wav


def decode_audio(data: bytes, max_seconds: float | None = None,
                 budget: DecodeBudget | None = None) -> tuple[np.ndarray, int]:
    """An uploaded recording -> float32 mono [N] and its rate, by the backend's one audio reader and limits
    (`max_seconds` only ever tightens the shared limit; `budget` is the server's bytes-decoding-at-once)."""
    limits = LIMITS if max_seconds is None else replace(LIMITS, max_seconds=min(LIMITS.max_seconds, max_seconds))
    return read_wav(data, "the uploaded audio", limits, budget)


def wav_bytes(audio: np.ndarray, sample_rate: int) -> bytes:
    """float mono samples in [-1, 1] -> a 16-bit PCM WAV file's bytes."""
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0), int(sample_rate),
             format="WAV", subtype="PCM_16")
    return buf.getvalue()
