"""Emotion heard in a recording: a per-sentence emotion mix estimated from the voice's prosody alone.

Pure (audio in, estimates out): no model beyond a small table of class statistics shipped in
``data/prosody_emotion.json`` (made by ``tools/emotion_estimator.py fit`` on our own TTS's presets, on voices
kept apart from the ones it is measured on).

Features of each sentence's span, chosen to depend as little as possible on who is speaking (there is no
neutral reference for a stranger's voice, so the absolute pitch level is not used: a man's and a woman's
voice differ by far more than any preset moves the pitch):

- pitch range (10th-90th percentile of the voiced frames, semitones), pitch height above the voice's own
  floor (median - 5th percentile), frame-to-frame pitch variability, overall pitch slope;
- loudness (median dBFS of the voiced frames) and its range (10th-90th percentile, dB);
- rate (voiced stretches per second) and the voiced share of the span;
- voice quality (the median periodicity of the voiced frames: breathy voices are less periodic).

Classification: linear discriminant scores against each preset's mean with a pooled, shrunk covariance,
a prior that favours neutral (a face that shows an emotion nobody meant is worse than one that shows
none), and a softmax over the scores. What prosody tells apart is mostly arousal (loud, fast, wide and
high versus quiet, slow, narrow); valence (happy versus angry, sad versus calm) is much weaker: the
confusion table in docs/emotion.md shows where.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

import numpy as np

from .emotion import EMOTIONS, PRESETS

MIN_SPEECH_S = 0.8          # shorter than this, there is too little voice to tell: neutral, said so
MIN_VOICED_FRAMES = 20
HOP_S = 0.01
MODEL_FILE = "prosody_emotion.json"
FEATURES: tuple[str, ...] = (
    "pitch_range_st", "pitch_height_st", "pitch_variability_st", "pitch_slope_st_s",
    "loudness_db", "loudness_range_db", "rate_per_s", "voiced_share", "periodicity",
)


@dataclass(frozen=True)
class Heard:
    """What the voice of one span sounds like."""

    start: float
    end: float
    emotion: tuple[float, ...]     # 8-d mix in EMOTIONS order (all 0 = neutral)
    label: str                     # the most likely preset (one of PRESETS)
    confidence: float              # its posterior probability
    note: str = ""                 # why the estimate is neutral by default, when it is


def span_features(f0: np.ndarray, energy: np.ndarray, periodicity: np.ndarray, fps: float) -> np.ndarray | None:
    """The FEATURES of one span's frame-level prosody, or None when it has too little voice."""
    voiced = f0 > 0
    if voiced.sum() < MIN_VOICED_FRAMES:
        return None
    semis = 12.0 * np.log2(f0[voiced] / 100.0)
    db = 20.0 * np.log10(np.maximum(energy, 1e-6))
    speaking = db > db.max() - 35.0
    p5, p10, p50, p90 = np.percentile(semis, [5, 10, 50, 90])
    idx = np.flatnonzero(voiced)
    consecutive = np.diff(idx) == 1
    steps = np.abs(np.diff(semis))[consecutive]
    t = idx / fps
    slope = float(np.polyfit(t, semis, 1)[0]) if np.ptp(t) > 0 else 0.0
    onsets = int(np.sum(np.diff(np.concatenate([[0], voiced.astype(np.int8)])) == 1))
    duration = len(f0) / fps
    loud = db[voiced]
    return np.array([
        p90 - p10, p50 - p5, float(np.median(steps)) if len(steps) else 0.0, slope,
        float(np.median(loud)), float(np.percentile(db[speaking], 90) - np.percentile(db[speaking], 10)),
        onsets / max(duration, 1e-6), float(voiced.sum() / max(speaking.sum(), 1)),
        float(np.median(periodicity[voiced])),
    ])


@dataclass(frozen=True)
class Model:
    """Per-preset means and the pooled covariance of standardised features, with the neutral prior."""

    presets: tuple[str, ...]
    mean: np.ndarray          # [F] feature means (for standardising)
    scale: np.ndarray         # [F] feature standard deviations
    centroids: np.ndarray     # [P, F] standardised class means
    precision: np.ndarray     # [F, F] inverse of the shrunk pooled covariance
    neutral_prior: float      # added to neutral's log score

    def to_dict(self) -> dict:
        return {"features": list(FEATURES), "presets": list(self.presets), "mean": self.mean.tolist(),
                "scale": self.scale.tolist(), "centroids": self.centroids.tolist(),
                "precision": self.precision.tolist(), "neutral_prior": self.neutral_prior}

    @classmethod
    def from_dict(cls, d: dict) -> Model:
        if tuple(d["features"]) != FEATURES:
            raise ValueError("the emotion model was fitted on other features")
        return cls(tuple(d["presets"]), np.array(d["mean"]), np.array(d["scale"]), np.array(d["centroids"]),
                   np.array(d["precision"]), float(d["neutral_prior"]))

    def posteriors(self, x: np.ndarray) -> np.ndarray:
        z = (x - self.mean) / self.scale
        d = z[None, :] - self.centroids
        scores = -0.5 * np.einsum("pf,fg,pg->p", d, self.precision, d)
        scores[self.presets.index("neutral")] += self.neutral_prior
        scores -= scores.max()
        p = np.exp(scores)
        return p / p.sum()


def fit(samples: list[tuple[str, np.ndarray]], shrinkage: float = 0.2, neutral_prior: float = 0.0) -> Model:
    """A model from (preset, features) samples."""
    presets = tuple(p for p in PRESETS if any(s[0] == p for s in samples))
    if "neutral" not in presets:
        raise ValueError("the samples need neutral speech")
    x = np.array([f for _, f in samples])
    mean, scale = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-6)
    z = (x - mean) / scale
    labels = np.array([presets.index(p) for p, _ in samples])
    centroids = np.array([z[labels == k].mean(axis=0) for k in range(len(presets))])
    within = z - centroids[labels]
    cov = within.T @ within / max(len(z) - len(presets), 1)
    cov = (1.0 - shrinkage) * cov + shrinkage * np.eye(len(FEATURES)) * np.trace(cov) / len(FEATURES)
    return Model(presets, mean, scale, centroids, np.linalg.inv(cov), neutral_prior)


_MODEL: Model | None = None


def shipped_model() -> Model:
    global _MODEL
    if _MODEL is None:
        text = resources.files("unitaf_backend").joinpath("data", MODEL_FILE).read_text(encoding="utf-8")
        _MODEL = Model.from_dict(json.loads(text))
    return _MODEL


def _mix(model: Model, post: np.ndarray) -> tuple[float, ...]:
    """The 8-d mix: each non-neutral preset at its posterior, where it beats a quarter."""
    vec = np.zeros(len(EMOTIONS))
    for k, name in enumerate(model.presets):
        if name != "neutral" and post[k] >= 0.25:
            vec[EMOTIONS.index(name)] = post[k]
    if vec.sum() > 1.0:
        vec /= vec.sum()
    return tuple(float(v) for v in vec)


def estimate(audio: np.ndarray, sample_rate: int, spans: list[tuple[float, float]] | None = None,
             model: Model | None = None) -> list[Heard]:
    """One estimate per span (seconds; the whole clip when None)."""
    from .speech.prosody import analyse

    audio = np.asarray(audio, dtype=np.float32)
    duration = len(audio) / sample_rate
    spans = spans if spans else [(0.0, duration)]
    hop = max(1, round(sample_rate * HOP_S))
    a = analyse(audio, sample_rate, hop)
    fps = sample_rate / hop
    out: list[Heard] = []
    for start, end in spans:
        neutral = (0.0,) * len(EMOTIONS)
        if end - start < MIN_SPEECH_S:
            out.append(Heard(start, end, neutral, "neutral", 1.0,
                             f"{end - start:.1f} s of speech is too short to hear an emotion in; neutral"))
            continue
        i, j = int(start * fps), max(int(start * fps) + 1, int(np.ceil(end * fps)))
        x = span_features(a.f0[i:j], a.energy[i:j], a.periodicity[i:j], fps)
        if x is None:
            out.append(Heard(start, end, neutral, "neutral", 1.0, "too little voiced speech to tell; neutral"))
            continue
        m = model or shipped_model()
        post = m.posteriors(x)
        best = int(np.argmax(post))
        label = m.presets[best]
        mix = _mix(m, post) if label != "neutral" else neutral
        out.append(Heard(start, end, mix, label, float(post[best])))
    return out


AUTO = "auto"


def is_auto(spec: str | None) -> bool:
    """True when an emotion spec asks for the emotion to be heard from the recording."""
    return spec is not None and spec.strip().lower() == AUTO


def hear_sentences(audio: np.ndarray, sample_rate: int, timeline):
    """The timeline with each sentence's emotion replaced by the one heard in its span; what was heard
    (and any note) goes into ``meta["emotion_heard"]``. A timeline without sentences is heard whole."""
    from dataclasses import replace

    spans = [(s.start, s.end) for s in timeline.sentences]
    heard = estimate(audio, sample_rate, spans or None)
    sentences = tuple(replace(s, emotion=h.emotion) for s, h in zip(timeline.sentences, heard, strict=False))
    record = [{"start": round(h.start, 3), "end": round(h.end, 3), "label": h.label,
               "confidence": round(h.confidence, 3), "emotion": list(h.emotion),
               **({"note": h.note} if h.note else {})} for h in heard]
    return replace(timeline, sentences=sentences, meta={**timeline.meta, "emotion_heard": record})


def mean_emotion(timeline) -> np.ndarray:
    """The duration-weighted mean of the sentences' emotions (8-d), for a whole-clip decoder input."""
    if not timeline.sentences:
        return np.zeros(len(EMOTIONS), dtype=np.float32)
    weights = np.array([max(s.end - s.start, 1e-6) for s in timeline.sentences])
    vecs = np.array([s.emotion for s in timeline.sentences], dtype=np.float64)
    return (weights @ vecs / weights.sum()).astype(np.float32)
