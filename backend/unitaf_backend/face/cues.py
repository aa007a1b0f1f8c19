"""Prosodic cues at the face's frame times: what the voice is doing that the face should move with.

Pure functions of the timeline and (optionally) the frame-level prosody; no emotion, no randomness.

* ``speaking``: 0 before the first phone, rising over ONSET_LEAD_S to 1 at the first phone (the face
  gets ready before the voice starts), 1 through the speech, decaying with OFFSET_TAU_S after the last phone.
  Where the clip's leading or trailing silence is shorter, the onset and decay are fitted into it, so
  the face is at rest at both ends of every clip and lines join each other (and idle motion) smoothly.
* ``pause``: 1 inside a pause within the speech (smoothed), 0 while speaking.
* ``accent``: bumps on pitch accents (f0 peaks ACCENT_SEMITONES above the line's median, less in a flat
  voice; without prosody, the first and the longest stressed vowel of each sentence); ``stress``: bumps
  on every stressed vowel.
* ``loudness``: energy relative to the line's voiced median, 0..1 (0.5 = typical, 1 = 6 dB louder).
* ``falling``: 0..1 where the pitch falls (without prosody: the last stressed vowel of each sentence on).
* ``stressed_onsets``: bumps on the consonants that open a stressed syllable, higher when it is loud.
* ``phrase_ends``: bumps that peak PHRASE_END_DELAY_S after each sentence end and long pause start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..speech.timeline import Timeline
from ..speech.types import Prosody
from . import visemes as V

ONSET_LEAD_S = 0.35
OFFSET_TAU_S = 0.25
ACCENT_SEMITONES = 2.0     # an accent rises this far above the line's median pitch ...
ACCENT_RANGE_SHARE = 0.6   # ... or, in a flat voice, this share of the line's upper range (at least 1 st)
ACCENT_MIN_GAP_S = 0.3
PHRASE_PAUSE_S = 0.15
PHRASE_END_DELAY_S = 0.2
FALLING_SEMITONES_PER_S = 15.0


def smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def bumps(times: np.ndarray, centres: list[float], rise: float, decay: float,
          heights: list[float] | None = None) -> np.ndarray:
    """[T] max of bumps: a smooth rise over ``rise`` s up to each centre, an exponential decay after."""
    out = np.zeros(len(times))
    for k, c in enumerate(centres):
        h = 1.0 if heights is None else heights[k]
        up = smoothstep((times - (c - rise)) / max(rise, 1e-6))
        down = np.exp(-np.clip(times - c, 0.0, None) / max(decay, 1e-6))
        out = np.maximum(out, h * np.where(times <= c, up, down))
    return out


def _gap_frames(gap_s: float, fps: float) -> int:
    return max(1, round(gap_s * fps))


def _semitones(prosody: Prosody) -> tuple[np.ndarray, np.ndarray] | None:
    """(smoothed semitones from the voiced median, voiced mask) at the prosody's own frames, or None."""
    if prosody is None or len(prosody.f0) <= 4 or prosody.fps <= 0:
        return None
    f0 = np.asarray(prosody.f0, dtype=np.float64)
    voiced = f0 > 0
    if voiced.sum() <= 4:
        return None
    semis = np.zeros_like(f0)
    semis[voiced] = 12.0 * np.log2(f0[voiced] / np.median(f0[voiced]))
    k = max(1, round(0.05 * prosody.fps))
    return np.convolve(semis, np.ones(2 * k + 1) / (2 * k + 1), mode="same"), voiced


def _stressed_vowels(timeline: Timeline) -> list[V.Segment]:
    return [s for s in V.segments(timeline) if s.cls == V.VOWEL and s.stress == 1]


def accent_times(timeline: Timeline, prosody: Prosody | None) -> list[float]:
    """Times of pitch accents: f0 peaks with prosody, stressed vowels without it."""
    pitch = _semitones(prosody) if prosody is not None else None
    if pitch is not None:
        smooth, voiced = pitch
        upper = float(np.percentile(smooth[voiced], 95))
        threshold = float(np.clip(ACCENT_RANGE_SHARE * upper, 1.0, ACCENT_SEMITONES))
        high = voiced & (smooth >= threshold)
        # one accent per stretch of high pitch, at the middle of its top
        edges = np.flatnonzero(np.diff(np.concatenate([[0], high.astype(np.int8), [0]])))
        gap = _gap_frames(ACCENT_MIN_GAP_S, prosody.fps)
        peaks: list[float] = []
        last = -gap
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            top = a + np.flatnonzero(smooth[a:b] >= smooth[a:b].max() - 1e-6)
            i = int(top[len(top) // 2])
            if i - last >= gap:
                peaks.append(i / prosody.fps)
                last = i
        return peaks
    accents: list[float] = []
    stressed = _stressed_vowels(timeline)
    for sentence in timeline.sentences:
        inside = [s for s in stressed if sentence.start <= s.mid < sentence.end]
        if inside:
            accents.append(inside[0].mid)
            longest = max(inside, key=lambda s: s.duration)
            if longest is not inside[0]:
                accents.append(longest.mid)
    return sorted(accents)


def accent_curve(times: np.ndarray, accents: list[float]) -> np.ndarray:
    """[T] 0..1 bumps: 80 ms rise before each accent, 300 ms decay after."""
    return bumps(times, accents, 0.08, 0.3)


def speech_span(timeline: Timeline) -> tuple[float, float] | None:
    """(start of the first spoken phone, end of the last), or None for a silent timeline."""
    spoken = [p for p in timeline.phones if not V.is_pause_symbol(p.symbol)]
    if not spoken:
        return None
    return spoken[0].start, spoken[-1].end


@dataclass(frozen=True)
class Cues:
    times: np.ndarray            # float64 [T] seconds
    speaking: np.ndarray         # [T] 0..1 onset / hold / decay envelope of the speech
    pause: np.ndarray            # [T] 0..1 inside pauses within the speech
    accents: tuple[float, ...]   # pitch-accent times, seconds
    accent: np.ndarray           # [T] 0..1
    stress: np.ndarray           # [T] 0..1
    loudness: np.ndarray         # [T] 0..1
    falling: np.ndarray          # [T] 0..1
    stressed_onsets: np.ndarray  # [T] 0..1
    phrase_ends: np.ndarray      # [T] 0..1
    span: tuple[float, float] | None


def _speaking(times: np.ndarray, span: tuple[float, float] | None, duration: float) -> np.ndarray:
    if span is None:
        return np.zeros(len(times))
    first, last = span
    lead = min(ONSET_LEAD_S, first)
    onset = smoothstep((times - (first - lead)) / lead) if lead > 0 else np.ones(len(times))
    tau = min(OFFSET_TAU_S, max(duration - last, 1e-3) / 3.0)     # ~95% decayed by the clip's end
    decay = np.exp(-np.clip(times - last, 0.0, None) / tau)
    return np.where(times <= last, onset, decay)


def smooth(x: np.ndarray, frames: int) -> np.ndarray:
    """x [T] (or [T, C]) smoothed along time by a Hann window about ``frames`` long, edges held."""
    if frames <= 1 or len(x) < 3:
        return x
    kernel = np.hanning(frames + 2)[1:-1]
    kernel /= kernel.sum()
    if x.ndim == 2:
        return np.stack([smooth(x[:, j], frames) for j in range(x.shape[1])], axis=1)
    return np.convolve(np.pad(x, (frames, frames), mode="edge"), kernel, mode="same")[frames:-frames]


def _pauses(times: np.ndarray, timeline: Timeline, span: tuple[float, float] | None, fps: float) -> np.ndarray:
    out = np.zeros(len(times))
    if span is None:
        return out
    for s in V.segments(timeline):
        if s.cls == V.PAUSE and s.duration >= PHRASE_PAUSE_S and s.start >= span[0] and s.end <= span[1]:
            out[(times >= s.start + 0.05) & (times < s.end - 0.05)] = 1.0
    return np.clip(smooth(out, max(1, round(0.15 * fps))), 0.0, 1.0)


def _loudness(times: np.ndarray, timeline: Timeline, prosody: Prosody | None) -> np.ndarray:
    if prosody is not None and len(prosody.energy) > 4 and prosody.fps > 0:
        energy = np.asarray(prosody.energy, dtype=np.float64)
        db = 20.0 * np.log10(np.maximum(energy, 1e-6))
        loud = db > db.max() - 35.0
        if loud.sum() > 4:
            ref = float(np.median(db[loud]))
            rel = np.clip(0.5 + (db - ref) / 12.0, 0.0, 1.0)
            k = max(1, round(0.03 * prosody.fps))
            rel = np.convolve(rel, np.ones(2 * k + 1) / (2 * k + 1), mode="same")
            return np.interp(times, np.arange(len(rel)) / prosody.fps, rel)
    out = np.zeros(len(times))
    for s in V.segments(timeline):
        if s.cls != V.PAUSE:
            out[(times >= s.start) & (times < s.end)] = 0.6 if s.stress == 1 else 0.45
    return out


def _falling(times: np.ndarray, timeline: Timeline, prosody: Prosody | None) -> np.ndarray:
    pitch = _semitones(prosody) if prosody is not None else None
    if pitch is not None:
        smooth, voiced = pitch
        slope = np.gradient(smooth) * prosody.fps            # semitones per second
        fall = np.where(voiced, np.clip(-slope / FALLING_SEMITONES_PER_S, 0.0, 1.0), 0.0)
        k = max(1, round(0.08 * prosody.fps))
        fall = np.convolve(fall, np.ones(2 * k + 1) / (2 * k + 1), mode="same")
        return np.clip(np.interp(times, np.arange(len(fall)) / prosody.fps, fall), 0.0, 1.0)
    # No pitch: the declination at the end of each sentence, from its last stressed vowel on.
    stressed = _stressed_vowels(timeline)
    out = np.zeros(len(times))
    for sentence in timeline.sentences:
        inside = [s for s in stressed if sentence.start <= s.mid < sentence.end]
        if inside:
            a = inside[-1].start
            ramp = smoothstep((times - a) / 0.2) * (times < sentence.end + 0.1)
            out = np.maximum(out, ramp)
    return out


def _stressed_onsets(timeline: Timeline) -> list[tuple[float, float]]:
    """(centre of the consonant run that opens each stressed syllable, its vowel's middle)."""
    segs = V.segments(timeline)
    out: list[float] = []
    for k, s in enumerate(segs):
        if not (s.cls == V.VOWEL and s.stress == 1):
            continue
        j = k
        while j > 0 and segs[j - 1].cls not in (V.VOWEL, V.PAUSE):
            j -= 1
        if j < k:
            out.append((0.5 * (segs[j].start + segs[k - 1].end), s.mid))
    return out


def _phrase_ends(timeline: Timeline) -> list[float]:
    ends = [s.end for s in timeline.sentences]
    ends += [s.start for s in V.segments(timeline) if s.cls == V.PAUSE and s.duration >= 0.25 and s.start > 0.0]
    return sorted({round(t + PHRASE_END_DELAY_S, 4) for t in ends})


def compute(timeline: Timeline, times: np.ndarray, prosody: Prosody | None = None) -> Cues:
    """All cues at the given frame times."""
    times = np.asarray(times, dtype=np.float64)
    fps = 1.0 / float(times[1] - times[0]) if len(times) > 1 else 30.0
    span = speech_span(timeline)
    accents = accent_times(timeline, prosody)
    stressed = _stressed_vowels(timeline)
    loudness = _loudness(times, timeline, prosody)
    onsets = _stressed_onsets(timeline)
    # the louder the syllable, the harder its onset is hit
    onset_heights = [float(np.clip(0.5 + np.interp(v, times, loudness), 0.0, 1.0)) for _, v in onsets]
    return Cues(
        times=times,
        speaking=_speaking(times, span, float(timeline.duration)),
        pause=_pauses(times, timeline, span, fps),
        accents=tuple(accents),
        accent=accent_curve(times, accents),
        stress=bumps(times, [s.mid for s in stressed], 0.08, 0.18),
        loudness=loudness,
        falling=_falling(times, timeline, prosody),
        stressed_onsets=bumps(times, [c for c, _ in onsets], 0.05, 0.15, onset_heights),
        phrase_ends=bumps(times, _phrase_ends(timeline), 0.25, 0.5),
        span=span,
    )
