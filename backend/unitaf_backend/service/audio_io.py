"""Audio in and out of the service: uploaded recordings are decoded here, speech leaves as 16-bit WAV."""

from __future__ import annotations

import io

import numpy as np
import soundfile as sf

from ..errors import BadInput


def decode_audio(data: bytes, max_seconds: float) -> tuple[np.ndarray, int]:
    """An uploaded WAV (or FLAC/OGG) at any sample rate, mono or multi-channel -> float32 mono [N], rate."""
    if not data:
        raise BadInput("the uploaded audio is empty")
    try:
        with sf.SoundFile(io.BytesIO(data)) as f:
            rate, frames = int(f.samplerate), int(f.frames)
            if rate <= 0:
                raise BadInput("the uploaded audio has no valid sample rate")
            if frames <= 0:
                raise BadInput("the uploaded audio has no samples")
            if frames / rate > max_seconds:
                raise BadInput(f"the uploaded audio is {frames / rate:.1f} s long; the limit is {max_seconds:g} s")
            samples = f.read(dtype="float32", always_2d=True)
    except BadInput:
        raise
    except (sf.LibsndfileError, RuntimeError, ValueError, TypeError, OverflowError) as err:
        reason = getattr(err, "error_string", None) or str(err).rsplit(": ", 1)[-1]
        raise BadInput(f"the uploaded audio is not a readable WAV file ({reason.rstrip('.')})") from None
    if samples.shape[0] == 0:
        raise BadInput("the uploaded audio has no samples")
    mono = samples.mean(axis=1, dtype=np.float32)
    if not np.all(np.isfinite(mono)):
        raise BadInput("the uploaded audio contains NaN or infinite samples")
    return np.clip(mono, -1.0, 1.0).astype(np.float32, copy=False), rate


def wav_bytes(audio: np.ndarray, sample_rate: int) -> bytes:
    """float mono samples in [-1, 1] -> a 16-bit PCM WAV file's bytes."""
    buf = io.BytesIO()
    sf.write(buf, np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0), int(sample_rate),
             format="WAV", subtype="PCM_16")
    return buf.getvalue()
