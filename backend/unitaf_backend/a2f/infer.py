"""Running the trained A2F model: TTS features (or encoder features) -> ARKit-52 mouth weights at any fps.

numpy throughout; the networks run on onnxruntime by default (runtime.py), so inference never imports torch.
The decoder is a stack of convolutions, so a frame's output depends only on `receptive_field` frames either
side. Long inputs are cut into windows that overlap by more than twice that; across each overlap the two
windows are blended only where both saw their full context, so the joins are exact, not approximations.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..face.frames import frame_count, frames_started
from ..speech.types import Speech
from .checkpoint import default_device, load_model, save_model  # noqa: F401 - training and comparisons use them from here
from .config import A2FConfig
from .runtime import Runtime, as_runtime, load_runtime

Model = Any   # a Runtime, or a torch A2FModel (wrapped on use)


def _runtime(model: Model | None) -> Runtime:
    return load_runtime() if model is None else as_runtime(model)


def resample_frames(x: np.ndarray, src_fps: float, dst_fps: float, n_out: int) -> np.ndarray:
    """Linear interpolation along time of x [T, C]: output frame i at i / dst_fps s, input frame k at
    k / src_fps; times past the last input frame hold its value (model.resample_time, in numpy)."""
    x = np.asarray(x, dtype=np.float32)
    pos = np.minimum(np.arange(n_out, dtype=np.float64) * (src_fps / dst_fps), x.shape[0] - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, x.shape[0] - 1)
    frac = (pos - lo).astype(np.float32)[:, None]
    return x[lo] * (1 - frac) + x[hi] * frac


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


def decode_windowed(model: Model, feats: np.ndarray, emotion: np.ndarray,
                    window: int | None = None, overlap: int | None = None) -> np.ndarray:
    """Decoder over encoder-space features [T, enc_dim] and emotion [8] or [T, 8] -> weights [T, 52]."""
    rt = as_runtime(model)
    cfg = rt.cfg
    window = window or cfg.window_frames
    overlap = overlap or cfg.window_overlap
    margin = cfg.receptive_field
    if overlap < 2 * margin + 1:
        raise ValueError(f"window overlap {overlap} must exceed twice the receptive field {margin}")
    feats = np.asarray(feats, dtype=np.float32)
    n = feats.shape[0]
    emotion = np.asarray(emotion, dtype=np.float32)
    emo = emotion if emotion.ndim == 2 else np.broadcast_to(emotion.reshape(1, -1), (n, emotion.size))
    spans = windows(n, window, overlap)
    if len(spans) == 1:
        return rt.decode(feats, emo)
    out = np.zeros((n, cfg.n_channels), np.float32)
    total = np.zeros((n, 1), np.float32)
    for i, (s, e) in enumerate(spans):
        y = rt.decode(feats[s:e], emo[s:e])
        fade_in = spans[i - 1][1] - s if i > 0 else 0
        fade_out = e - spans[i + 1][0] if i + 1 < len(spans) else 0
        w = _join_weights(e - s, fade_in, fade_out, margin)[:, None]
        out[s:e] += y * w
        total[s:e] += w
    return out / np.maximum(total, 1e-6)


def to_fps(weights_model_fps: Any, model_fps: float, fps: float, duration: float) -> np.ndarray:
    """Resample [T, 52] weights at model_fps to `fps`, frames covering `duration` seconds."""
    y = resample_frames(np.asarray(weights_model_fps), model_fps, fps, frame_count(duration, fps))
    return np.clip(y, 0.0, 1.0).astype(np.float32)


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


def predict_from_speech(speech: Speech, fps: float, model: Model | None = None) -> np.ndarray:
    """Mouth weights [T, 52] at `fps` for spoken speech, T = frame_count(speech.duration, fps)."""
    rt = _runtime(model)
    cfg = rt.cfg
    n_model = frames_started(speech.duration, cfg.model_fps)
    if uses_adapter(speech, cfg):
        tts = resample_frames(speech.tts_features, cfg.tts_fps, cfg.model_fps, n_model)
        feats = rt.project(tts)
    else:
        from .encoder import shared_encoder
        feats = shared_encoder().encode(speech.audio, speech.sample_rate)
    emo = frame_emotions(speech, feats.shape[0], cfg.model_fps)
    return to_fps(decode_windowed(rt, feats, emo), cfg.model_fps, fps, speech.duration)


def predict_from_features(feats: np.ndarray, emotion: np.ndarray, fps: float, duration: float,
                          model: Model | None = None) -> np.ndarray:
    """Mouth weights [T, 52] at `fps` from audio-encoder features [T_enc, 384] (a recording's)."""
    rt = _runtime(model)
    y = decode_windowed(rt, feats, emotion)
    return to_fps(y, rt.cfg.model_fps, fps, duration)


def predict_from_audio(audio: np.ndarray, sample_rate: int, emotion: np.ndarray, fps: float,
                       model: Model | None = None) -> np.ndarray:
    """Mouth weights [T, 52] at `fps` for a recording, through the frozen audio encoder."""
    from .encoder import shared_encoder

    feats = shared_encoder().encode(audio, sample_rate)
    return predict_from_features(feats, emotion, fps, len(audio) / sample_rate, model)
