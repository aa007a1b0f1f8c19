"""Scores for face animation against its timeline: are the lips, jaw and upper face doing their job?

Works on any (timeline, weights [T, 52], fps) triple, whoever made the weights (rules, neural, audio).
Phone classes come from visemes.py. Phone-level scores look at the frame nearest the middle of each
phone of at least MIN_PHONE_S; each is the fraction of such phones that pass:

* bilabial (p b m ...): lips together, ``jawOpen - mouthClose <= 0.12``;
* labiodental (f v ...): lower lip tucked, ``mouthRollLower >= 0.15``;
* rounded (u ʊ o ɔ w ...): ``max(mouthPucker, mouthFunnel) >= 0.25``;
* open (a ɑ æ ɐ ɒ ...): ``jawOpen >= 0.2``;
* rest: fraction of frames inside pauses longer than 300 ms, 100 ms in from each edge, with
  ``jawOpen <= 0.08``;
* sync lag (ms): the shift of jawOpen against an openness curve built from the timeline that maximises
  their correlation (positive: the face is late), found on a 200 Hz grid with a parabolic refinement;
* jitter: mean absolute second difference of the mouth channels per frame;
* upper face: mean of each upper-face channel group (per emotion in the summary).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from ..channels import ARKIT_CHANNELS, CHANNEL_INDEX, MOUTH_CHANNELS
from ..emotion import EMOTIONS, describe
from ..errors import BadInput
from ..speech.timeline import Timeline
from . import visemes as V
from .frames import check_fps

MIN_PHONE_S = 0.040
LIPS_TOGETHER_MAX = 0.12
TUCK_MIN = 0.15
ROUNDED_MIN = 0.25
OPEN_MIN = 0.20
REST_MAX = 0.08
REST_PAUSE_MIN_S = 0.300
REST_EDGE_S = 0.100
LAG_GRID_HZ = 200.0
LAG_MAX_S = 0.250
LAG_SMOOTH_S = 0.030

# Targets of the issue, for the PASS/FAIL column. Sync lag is on its absolute value.
TARGETS: dict[str, float] = {
    "bilabial": 0.97, "labiodental": 0.90, "rounded": 0.90, "open": 0.90, "rest": 0.95, "sync_lag_ms": 20.0,
}

# Upper-face channel groups reported per emotion (left/right averaged).
UPPER_FACE_GROUPS: dict[str, tuple[str, ...]] = {
    "browInnerUp": ("browInnerUp",),
    "browOuterUp": ("browOuterUpLeft", "browOuterUpRight"),
    "browDown": ("browDownLeft", "browDownRight"),
    "eyeWide": ("eyeWideLeft", "eyeWideRight"),
    "eyeSquint": ("eyeSquintLeft", "eyeSquintRight"),
    "eyeBlink": ("eyeBlinkLeft", "eyeBlinkRight"),
    "cheekSquint": ("cheekSquintLeft", "cheekSquintRight"),
    "noseSneer": ("noseSneerLeft", "noseSneerRight"),
    "mouthSmile": ("mouthSmileLeft", "mouthSmileRight"),
    "mouthFrown": ("mouthFrownLeft", "mouthFrownRight"),
}

_MOUTH_IDX = np.array([CHANNEL_INDEX[n] for n in MOUTH_CHANNELS])


@dataclass
class Count:
    passed: int = 0
    total: int = 0

    @property
    def score(self) -> float:
        return self.passed / self.total if self.total else float("nan")


@dataclass
class ClipScores:
    name: str
    emotion: str                 # emotion.describe() of the clip's mean sentence emotion
    duration: float
    fps: float
    bilabial: Count = field(default_factory=Count)
    labiodental: Count = field(default_factory=Count)
    rounded: Count = field(default_factory=Count)
    open: Count = field(default_factory=Count)
    rest: Count = field(default_factory=Count)       # frames
    sync_lag_ms: float = float("nan")
    jitter: float = float("nan")
    upper_face: dict[str, float] = field(default_factory=dict)

    def row(self) -> dict[str, float | str]:
        return {
            "name": self.name, "emotion": self.emotion,
            "bilabial": self.bilabial.score, "labiodental": self.labiodental.score,
            "rounded": self.rounded.score, "open": self.open.score, "rest": self.rest.score,
            "sync_lag_ms": self.sync_lag_ms, "jitter": self.jitter,
        }

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in ("bilabial", "labiodental", "rounded", "open", "rest"):
            d[key]["score"] = getattr(self, key).score
        return d


def _check(timeline: Timeline, weights: np.ndarray, fps: float) -> np.ndarray:
    check_fps(fps)
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 2 or w.shape[1] != len(ARKIT_CHANNELS) or w.shape[0] < 2:
        raise BadInput(f"weights must be [T >= 2, {len(ARKIT_CHANNELS)}], got {list(w.shape)}")
    if not np.isfinite(w).all():
        raise BadInput("weights contain NaN or infinity")
    return w


def _frame_at(t: float, fps: float, n: int) -> int:
    return min(n - 1, max(0, round(t * fps)))


def openness_curve(timeline: Timeline, times: np.ndarray) -> np.ndarray:
    """The timeline's phonetic mouth openness at the given times (step per segment), before smoothing."""
    segs = V.segments(timeline)
    if not segs:
        return np.zeros_like(times)
    ends = np.array([s.end for s in segs])
    values = np.array([V.openness(s) for s in segs])
    idx = np.clip(np.searchsorted(ends, times, side="right"), 0, len(segs) - 1)
    return values[idx]


def sync_lag_ms(timeline: Timeline, jaw: np.ndarray, fps: float) -> float:
    """Lag of jawOpen behind the timeline's openness curve in ms (positive: the face is late)."""
    duration = min(timeline.duration, (len(jaw) - 1) / fps)
    grid = np.arange(0.0, duration, 1.0 / LAG_GRID_HZ)
    if len(grid) < 8:
        return float("nan")
    face = np.interp(grid, np.arange(len(jaw)) / fps, jaw)
    ref = openness_curve(timeline, grid)
    # Smooth the step curve a little: a jaw cannot jump, so compare shapes, not edges.
    sigma = LAG_SMOOTH_S * LAG_GRID_HZ
    k = np.arange(-int(3 * sigma), int(3 * sigma) + 1)
    kernel = np.exp(-0.5 * (k / sigma) ** 2)
    ref = np.convolve(np.pad(ref, len(k) // 2, mode="edge"), kernel / kernel.sum(), mode="valid")
    face = face - face.mean()
    ref = ref - ref.mean()
    if face.std() < 1e-9 or ref.std() < 1e-9:
        return float("nan")
    max_lag = int(LAG_MAX_S * LAG_GRID_HZ)
    lags = np.arange(-max_lag, max_lag + 1)
    n = len(grid)
    corr = np.empty(len(lags))
    for j, lag in enumerate(lags):
        if lag >= 0:
            a, b = face[lag:], ref[: n - lag]
        else:
            a, b = face[: n + lag], ref[-lag:]
        corr[j] = float(np.dot(a, b)) / max(1, len(a))
    j = int(np.argmax(corr))
    shift = float(lags[j])
    if 0 < j < len(lags) - 1:
        y0, y1, y2 = corr[j - 1], corr[j], corr[j + 1]
        denom = y0 - 2 * y1 + y2
        if abs(denom) > 1e-12:
            shift += 0.5 * (y0 - y2) / denom
    return 1000.0 * shift / LAG_GRID_HZ


def jitter(weights: np.ndarray) -> float:
    """Mean absolute second difference of the mouth channels, per frame and channel."""
    if len(weights) < 3:
        return 0.0
    return float(np.mean(np.abs(np.diff(weights[:, _MOUTH_IDX], n=2, axis=0))))


def _clip_emotion(timeline: Timeline) -> str:
    if not timeline.sentences:
        return "neutral"
    spans = np.array([max(0.0, s.end - s.start) for s in timeline.sentences])
    vecs = np.array([s.emotion for s in timeline.sentences], dtype=np.float64)
    if spans.sum() <= 0:
        spans = np.ones(len(spans))
    return describe((vecs * spans[:, None]).sum(axis=0) / spans.sum())


def evaluate_clip(timeline: Timeline, weights: np.ndarray, fps: float, name: str = "") -> ClipScores:
    """Every score of one clip."""
    w = _check(timeline, weights, fps)
    n = len(w)
    c = CHANNEL_INDEX
    scores = ClipScores(name=name, emotion=_clip_emotion(timeline), duration=timeline.duration, fps=float(fps))
    for seg in V.segments(timeline):
        if seg.cls == V.PAUSE:
            if seg.duration > REST_PAUSE_MIN_S:
                i0 = math.ceil((seg.start + REST_EDGE_S) * fps)
                i1 = min(n - 1, math.floor((seg.end - REST_EDGE_S) * fps))
                if i1 >= i0:
                    jaw = w[i0:i1 + 1, c["jawOpen"]]
                    scores.rest.passed += int(np.sum(jaw <= REST_MAX))
                    scores.rest.total += len(jaw)
            continue
        if seg.duration < MIN_PHONE_S:
            continue
        f = w[_frame_at(seg.mid, fps, n)]
        if V.is_bilabial(seg):
            scores.bilabial.total += 1
            scores.bilabial.passed += int(f[c["jawOpen"]] - f[c["mouthClose"]] <= LIPS_TOGETHER_MAX)
        elif V.is_labiodental(seg):
            scores.labiodental.total += 1
            scores.labiodental.passed += int(f[c["mouthRollLower"]] >= TUCK_MIN)
        if V.is_rounded(seg):
            scores.rounded.total += 1
            scores.rounded.passed += int(max(f[c["mouthPucker"]], f[c["mouthFunnel"]]) >= ROUNDED_MIN)
        if V.is_open(seg):
            scores.open.total += 1
            scores.open.passed += int(f[c["jawOpen"]] >= OPEN_MIN)
    scores.sync_lag_ms = sync_lag_ms(timeline, w[:, c["jawOpen"]], fps)
    scores.jitter = jitter(w)
    scores.upper_face = {
        group: float(np.mean(w[:, [c[ch] for ch in chans]])) for group, chans in UPPER_FACE_GROUPS.items()
    }
    return scores


def _pooled(clips: list[ClipScores], key: str) -> dict:
    passed = sum(getattr(s, key).passed for s in clips)
    total = sum(getattr(s, key).total for s in clips)
    return {"score": passed / total if total else float("nan"), "passed": passed, "total": total}


def _nanmean(values: list[float]) -> float:
    arr = np.array([v for v in values if not math.isnan(v)])
    return float(arr.mean()) if arr.size else float("nan")


def summarise(clips: list[ClipScores]) -> dict:
    """Overall scores: pooled phone counts, mean sync lag and jitter, upper face per emotion, PASS/FAIL."""
    out: dict = {"clips": len(clips)}
    for key in ("bilabial", "labiodental", "rounded", "open", "rest"):
        out[key] = _pooled(clips, key)
    out["sync_lag_ms"] = _nanmean([s.sync_lag_ms for s in clips])
    out["jitter"] = _nanmean([s.jitter for s in clips])
    by_emotion: dict[str, dict[str, float]] = {}
    for label in sorted({s.emotion for s in clips}):
        group = [s for s in clips if s.emotion == label]
        by_emotion[label] = {g: _nanmean([s.upper_face[g] for s in group]) for g in UPPER_FACE_GROUPS}
    out["upper_face"] = by_emotion
    out["passed"] = passes(out)
    return out


def passes(summary: dict) -> dict[str, bool]:
    """Which targets a summary meets (a score with no phones to count does not fail)."""
    result: dict[str, bool] = {}
    for key, target in TARGETS.items():
        if key == "sync_lag_ms":
            value = summary[key]
            result[key] = (not math.isnan(value)) and abs(value) <= target
        else:
            score = summary[key]["score"]
            result[key] = math.isnan(score) or score >= target
    return result


def emotion_names() -> tuple[str, ...]:
    return ("neutral",) + EMOTIONS
