"""Timelines for recordings: pauses from energy, and a transcript aligned to the recording.

- `energy_timeline`: speech runs and pauses from the RMS envelope (no words known). Speech runs are
  phones with the neutral vowel symbol "ə" so downstream layers see talking, pauses are SILENCE phones;
  runs separated by long pauses become sentences.
- `align_transcript`: the transcript is spoken by the default TTS, whose timeline is exact; both audios go
  through the same frozen encoder, and dynamic time warping on those features maps every phone and word
  boundary of the synthetic timeline onto the recording (the classic "align by resynthesis" approach,
  speaker-robust because the encoder was trained for recognition). The mean cosine cost along the path
  (`alignment_cost` in the timeline's meta) says how well the transcript fits: words that were not said
  find no good match anywhere (see MISMATCH_COST).
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np

from ..speech.timeline import SILENCE, Phone, Sentence, Timeline

VAD_FPS = 100.0
MIN_PAUSE_S = 0.15
MIN_SPEECH_S = 0.08
SENTENCE_PAUSE_S = 0.5
SPEECH_SYMBOL = "ə"
DTW_MAX_CELLS = 30_000_000
# Above this mean path cost the transcript is taken not to be what the recording says. Measured on the
# held-out voices (`python -m unitaf_backend.pipeline.a2f_evaluation --recordings`, docs/emotion.md): the
# right transcript 0.21-0.55 (median 0.34), another line's 0.53-0.78 (median 0.68).
MISMATCH_COST = 0.55


def speech_mask(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """bool [T] at VAD_FPS: True where someone is speaking (RMS above an adaptive floor)."""
    hop = max(1, round(sample_rate / VAD_FPS))
    n = int(np.ceil(len(audio) / hop))
    padded = np.zeros(n * hop, np.float32)
    padded[: len(audio)] = audio
    rms = np.sqrt((padded.reshape(n, hop).astype(np.float64) ** 2).mean(axis=1) + 1e-12)
    db = 20 * np.log10(rms + 1e-9)
    peak = np.percentile(db, 95) if n else -120.0
    noise = np.percentile(db, 10) if n else -120.0
    threshold = max(-50.0, noise + 0.35 * (peak - noise), peak - 35.0)
    speaking = db > threshold
    speaking = _fill_short(speaking, int(MIN_PAUSE_S * VAD_FPS), value=False)    # short gaps are speech
    return _fill_short(speaking, int(MIN_SPEECH_S * VAD_FPS), value=True)        # short blips are pause


def _fill_short(mask: np.ndarray, min_len: int, value: bool) -> np.ndarray:
    """Flip runs equal to `value` shorter than min_len frames (not at the edges for gaps)."""
    out = mask.copy()
    runs = _runs(mask)
    for start, end, v in runs:
        if v == value and end - start < min_len and not (not value and (start == 0 or end == len(mask))):
            out[start:end] = not value
    return out


def _runs(mask: np.ndarray) -> list[tuple[int, int, bool]]:
    if len(mask) == 0:
        return []
    edges = np.flatnonzero(np.diff(mask.astype(np.int8))) + 1
    bounds = np.concatenate([[0], edges, [len(mask)]])
    return [(int(a), int(b), bool(mask[a])) for a, b in itertools.pairwise(bounds)]


def energy_timeline(audio: np.ndarray, sample_rate: int, emotion: np.ndarray) -> Timeline:
    duration = len(audio) / sample_rate
    mask = speech_mask(audio, sample_rate)
    phones: list[Phone] = []
    for a, b, speaking in _runs(mask):
        start, end = a / VAD_FPS, min(duration, b / VAD_FPS)
        if end > start:
            phones.append(Phone(SPEECH_SYMBOL if speaking else SILENCE, start, end))
    if not phones:
        phones = [Phone(SILENCE, 0.0, duration)]
    phones[-1] = replace(phones[-1], end=duration)
    emo = tuple(float(x) for x in emotion)
    sentences: list[Sentence] = []
    run_start: float | None = None
    last_end = 0.0
    for p in phones:
        if p.symbol != SILENCE:
            if run_start is None:
                run_start = p.start
            last_end = p.end
        elif run_start is not None and p.end - p.start >= SENTENCE_PAUSE_S:
            sentences.append(Sentence("", run_start, last_end, emo))
            run_start = None
    if run_start is not None:
        sentences.append(Sentence("", run_start, last_end, emo))
    return Timeline(phones=tuple(phones), words=(), sentences=tuple(sentences), duration=duration,
                    engine="energy", meta={"words": "unknown (no transcript)"})


def dtw_path(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Monotonic alignment [K, 2] of frame indices between feature sequences a [N, D] and b [M, D]
    (cosine cost, steps (1,1), (1,0), (0,1)); computed along anti-diagonals so numpy does the work."""
    an = a / (np.linalg.norm(a, axis=1, keepdims=True) + 1e-8)
    bn = b / (np.linalg.norm(b, axis=1, keepdims=True) + 1e-8)
    cost = (1.0 - an @ bn.T).astype(np.float32)
    n, m = cost.shape
    acc = np.full((n + 1, m + 1), np.inf, np.float32)
    acc[0, 0] = 0.0
    for k in range(2, n + m + 1):
        i = np.arange(max(1, k - m), min(n, k - 1) + 1)
        j = k - i
        best = np.minimum(np.minimum(acc[i - 1, j - 1], acc[i - 1, j]), acc[i, j - 1])
        acc[i, j] = cost[i - 1, j - 1] + best
    path = []
    i, j = n, m
    while i > 0 and j > 0:
        path.append((i - 1, j - 1))
        steps = (acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1])
        move = int(np.argmin(steps))
        if move == 0:
            i, j = i - 1, j - 1
        elif move == 1:
            i -= 1
        else:
            j -= 1
    return np.array(path[::-1], dtype=np.int64)


def path_cost(a: np.ndarray, b: np.ndarray, path: np.ndarray) -> float:
    """Mean cosine distance between the frames a DTW path pairs (0: identical, 1: unrelated)."""
    fa, fb = a[path[:, 0]], b[path[:, 1]]
    cos = (fa * fb).sum(axis=1) / ((np.linalg.norm(fa, axis=1) * np.linalg.norm(fb, axis=1)) + 1e-8)
    return float(np.mean(1.0 - cos))


def time_map(path: np.ndarray, fps_a: float, fps_b: float):
    """A monotonic function from times in sequence b to times in sequence a along a DTW path."""
    jb = path[:, 1]
    ia = path[:, 0].astype(np.float64)
    # centre of the a-frames matched to each b-frame, then piecewise linear between frame centres
    uniq = np.unique(jb)
    centres = np.array([ia[jb == j].mean() for j in uniq])
    centres = np.maximum.accumulate(centres)
    tb = (uniq + 0.5) / fps_b
    ta = (centres + 0.5) / fps_a

    def mapping(t: np.ndarray | float) -> np.ndarray:
        return np.interp(t, tb, ta)
    return mapping


def warp_timeline(timeline: Timeline, mapping, duration: float, emotion: np.ndarray) -> Timeline:
    """Move every boundary of a synthetic timeline through `mapping` onto a recording of `duration` s."""
    def t(x: float) -> float:
        return float(np.clip(mapping(x), 0.0, duration))

    bounds = [0.0] + [t(p.end) for p in timeline.phones[:-1]] + [duration]
    bounds = list(np.maximum.accumulate(np.array(bounds)))
    phones = tuple(replace(p, start=bounds[k], end=bounds[k + 1]) for k, p in enumerate(timeline.phones))
    words = tuple(replace(w, start=phones[w.first_phone].start, end=phones[max(w.first_phone, w.last_phone - 1)].end)
                  for w in timeline.words)
    emo = tuple(float(x) for x in emotion)
    sentences = tuple(replace(s, start=t(s.start), end=t(s.end), emotion=emo) for s in timeline.sentences)
    return Timeline(phones=phones, words=words, sentences=sentences, duration=duration, engine="aligned",
                    meta={**timeline.meta, "aligned_from": timeline.engine})


def align_transcript(audio: np.ndarray, sample_rate: int, transcript: str, rec_feats: np.ndarray,
                     emotion: np.ndarray, encode, cancel=None) -> Timeline:
    """The transcript's timeline on the recording. `encode(audio, rate)` gives 50 fps encoder features;
    rec_feats are the recording's. Long inputs are compared at a coarser rate to bound memory."""
    from .. import speech

    spoken = speech.synthesize(transcript, emotion=np.zeros(8, np.float32), voice=None, seed=0, cancel=cancel)
    syn_feats = encode(spoken.audio, spoken.sample_rate)
    a, b = _centred(rec_feats), _centred(syn_feats)
    stride = 1
    while (len(a) // stride) * (len(b) // stride) > DTW_MAX_CELLS:
        stride += 1
    fps = 50.0 / stride
    a, b = _pool(a, stride), _pool(b, stride)
    path = dtw_path(a, b)
    mapping = time_map(path, fps, fps)
    timeline = warp_timeline(spoken.timeline, mapping, len(audio) / sample_rate, emotion)
    return replace(timeline, meta={**timeline.meta, "alignment_cost": round(path_cost(a, b, path), 4)})


def transcript_mismatch(timeline: Timeline) -> str | None:
    """A warning when an aligned timeline's cost says the transcript is not what the recording says."""
    cost = timeline.meta.get("alignment_cost")
    if cost is None or cost <= MISMATCH_COST:
        return None
    return (f"the transcript does not seem to match the recording (alignment cost {cost:.3f} > "
            f"{MISMATCH_COST:.3f})")


def _centred(x: np.ndarray) -> np.ndarray:
    """Remove the clip's mean feature (speaker and channel), keep the phonetic variation."""
    return x - x.mean(axis=0, keepdims=True)


def _pool(x: np.ndarray, stride: int) -> np.ndarray:
    if stride == 1:
        return x
    n = len(x) // stride
    return x[: n * stride].reshape(n, stride, -1).mean(axis=1) if n else x[:1]
