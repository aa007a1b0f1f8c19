"""Running the trained A2F model: TTS features (or encoder features) -> ARKit-52 mouth weights at any fps.

The decoder is a stack of convolutions, so a frame's output depends only on `receptive_field` frames either
side. Long inputs are cut into windows that overlap by more than twice that; across each overlap the two
windows are blended only where both saw their full context, so the joins are exact, not approximations.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import torch

from ..errors import NotInstalled
from ..face.frames import frame_count, frames_started
from ..speech.types import Speech
from . import shipped
from .config import A2FConfig
from .model import A2FModel, resample_time

_lock = threading.Lock()
_cache: dict[tuple[str, str], A2FModel] = {}


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def save_model(model: A2FModel, path: str | Path, meta: dict | None = None) -> None:
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    torch.save({"config": model.cfg.to_dict(), "state_dict": state, "meta": dict(meta or {})}, str(path))


def load_model(path: str | Path | None = None, device: torch.device | str | None = None) -> A2FModel:
    """The trained model (the shipped weights by default), in eval mode, cached per path and device."""
    path = Path(path) if path is not None else shipped.weights_path()
    dev = torch.device(device) if device is not None else default_device()
    key = (str(path.resolve()), str(dev))
    with _lock:
        if key not in _cache:
            if not path.is_file():
                raise NotInstalled(f"no trained A2F weights at {path}; train them with `unitaf train` "
                                   "or use --mode rules")
            blob = torch.load(str(path), map_location="cpu", weights_only=True)
            model = A2FModel(A2FConfig.from_dict(blob["config"]))
            model.load_state_dict(blob["state_dict"])
            _cache[key] = model.to(dev).eval()
        return _cache[key]


def windows(n: int, size: int, overlap: int) -> list[tuple[int, int]]:
    """[start, end) spans of at most `size` frames covering [0, n), consecutive ones overlapping by `overlap`."""
    if n <= size:
        return [(0, n)]
    hop = size - overlap
    spans, start = [], 0
    while start + size < n:
        spans.append((start, start + size))
        start += hop
    spans.append((max(0, n - size), n))
    return spans


def _join_weights(length: int, fade_in: int, fade_out: int, margin: int) -> np.ndarray:
    """Per-frame weight of one window: 0 in the `margin` frames next to a join (context cut short),
    a linear ramp across the rest of the overlap, 1 elsewhere."""
    w = np.ones(length, np.float32)
    for k, side in ((fade_in, "in"), (fade_out, "out")):
        if k <= 0:
            continue
        ramp_len = max(1, k - 2 * margin)
        ramp = np.concatenate([np.zeros(margin), (np.arange(ramp_len) + 0.5) / ramp_len, np.ones(k - margin - ramp_len)])
        ramp = ramp[:k].astype(np.float32)
        if side == "in":
            w[:k] = np.minimum(w[:k], ramp)
        else:
            w[length - k:] = np.minimum(w[length - k:], ramp[::-1])
    return w


@torch.inference_mode()
def decode_windowed(model: A2FModel, feats: torch.Tensor, emotion: torch.Tensor,
                    window: int | None = None, overlap: int | None = None) -> torch.Tensor:
    """Decoder over encoder-space features [T, enc_dim] and emotion [8] or [T, 8] -> weights [T, 52]."""
    cfg = model.cfg
    window = window or cfg.window_frames
    overlap = overlap or cfg.window_overlap
    margin = cfg.receptive_field
    if overlap < 2 * margin + 1:
        raise ValueError(f"window overlap {overlap} must exceed twice the receptive field {margin}")
    n = feats.shape[0]
    emo = emotion if emotion.dim() == 2 else emotion.unsqueeze(0).expand(n, -1)
    spans = windows(n, window, overlap)
    if len(spans) == 1:
        return model.decoder(feats.unsqueeze(0), emo.unsqueeze(0))[0]
    out = torch.zeros(n, cfg.n_channels, dtype=feats.dtype, device=feats.device)
    total = torch.zeros(n, 1, dtype=feats.dtype, device=feats.device)
    for i, (s, e) in enumerate(spans):
        y = model.decoder(feats[s:e].unsqueeze(0), emo[s:e].unsqueeze(0))[0]
        fade_in = spans[i - 1][1] - s if i > 0 else 0
        fade_out = e - spans[i + 1][0] if i + 1 < len(spans) else 0
        w = torch.from_numpy(_join_weights(e - s, fade_in, fade_out, margin)).to(feats).unsqueeze(1)
        out[s:e] += y * w
        total[s:e] += w
    return out / total.clamp(min=1e-6)


def to_fps(weights_model_fps: torch.Tensor, model_fps: float, fps: float, duration: float) -> np.ndarray:
    """Resample [T, 52] weights at model_fps to `fps`, frames covering `duration` seconds."""
    n_out = frame_count(duration, fps)
    y = resample_time(weights_model_fps.unsqueeze(0), model_fps, fps, n_out)[0]
    return y.clamp(0.0, 1.0).cpu().numpy().astype(np.float32)


def frame_emotions(speech: Speech, n: int, fps: float) -> np.ndarray:
    """Emotion per frame [n, 8]: a sentence's own emotion inside it, the line's elsewhere."""
    emo = np.tile(np.asarray(speech.emotion, dtype=np.float32).reshape(1, -1), (n, 1))
    for s in speech.timeline.sentences:
        a, b = int(np.floor(s.start * fps)), int(np.ceil(s.end * fps))
        emo[max(0, a): min(n, b)] = np.asarray(s.emotion, dtype=np.float32)
    return emo


def uses_adapter(speech: Speech, cfg: A2FConfig) -> bool:
    """The adapter reads the TTS's features when they are the kind it was trained on (Piper's);
    other engines' speech goes through the audio encoder like a recording."""
    f = speech.tts_features
    return (f is not None and f.ndim == 2 and f.shape[1] == cfg.tts_dim and f.shape[0] > 0
            and abs(float(speech.feature_fps) - cfg.tts_fps) < 1e-3)


@torch.inference_mode()
def predict_from_speech(speech: Speech, fps: float, model: A2FModel | None = None) -> np.ndarray:
    """Mouth weights [T, 52] at `fps` for spoken speech, T = frame_count(speech.duration, fps)."""
    model = model or load_model()
    cfg = model.cfg
    dev = next(model.parameters()).device
    n_model = frames_started(speech.duration, cfg.model_fps)
    if uses_adapter(speech, cfg):
        tts = torch.from_numpy(np.ascontiguousarray(speech.tts_features, dtype=np.float32)).to(dev)
        feats = model.adapter(tts.unsqueeze(0), n_model)[0]
    else:
        from .encoder import shared_encoder
        enc = shared_encoder().encode(speech.audio, speech.sample_rate)
        feats = torch.from_numpy(enc).to(dev)
    emo = torch.from_numpy(frame_emotions(speech, feats.shape[0], cfg.model_fps)).to(dev)
    y = decode_windowed(model, feats, emo)
    return to_fps(y, cfg.model_fps, fps, speech.duration)


@torch.inference_mode()
def predict_from_features(feats: np.ndarray, emotion: np.ndarray, fps: float, duration: float,
                          model: A2FModel | None = None) -> np.ndarray:
    """Mouth weights [T, 52] at `fps` from audio-encoder features [T_enc, 384] (a recording's)."""
    model = model or load_model()
    dev = next(model.parameters()).device
    emo = torch.from_numpy(np.asarray(emotion, dtype=np.float32)).to(dev)
    y = decode_windowed(model, torch.from_numpy(np.ascontiguousarray(feats, dtype=np.float32)).to(dev), emo)
    return to_fps(y, model.cfg.model_fps, fps, duration)


def predict_from_audio(audio: np.ndarray, sample_rate: int, emotion: np.ndarray, fps: float,
                       model: A2FModel | None = None) -> np.ndarray:
    """Mouth weights [T, 52] at `fps` for a recording, through the frozen audio encoder."""
    from .encoder import shared_encoder

    feats = shared_encoder().encode(audio, sample_rate)
    return predict_from_features(feats, emotion, fps, len(audio) / sample_rate, model)
