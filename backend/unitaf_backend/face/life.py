"""Life layer: blinks, eye saccades and gaze holds, brows on pitch accents, optional head motion.

Everything is drawn from ``numpy.random.default_rng`` streams spawned from one seed, one stream per
part, so the same seed gives the same face and turning head motion on or off leaves blinks and gaze alone.

* Blinks: intervals from a gamma distribution (mean BLINK_MEAN_S, at least BLINK_MIN_GAP_S apart), plus a
  likely blink at the start of each sentence and each pause longer than 250 ms. A blink lasts 100-150 ms
  (a faster close, a slower open), and its peak is put on a frame so every blink fully closes at any fps.
* Gaze: holds of 0.4-2.5 s, each either back at the listener (centre) or a small glance aside, joined
  by 40 ms saccades; drives the eyeLook channels (both eyes together).
* Brows: a raise on each pitch accent (cues.py finds the accents: f0 peaks well above the clip's median,
  or without prosody the first and the longest stressed vowel of each sentence).
* Head (on unless turned off): slow drifts (a few sines of seed-drawn frequency and phase), a small nod
  on each accent and a smaller one on each stressed vowel, and the emotion's posture (pitch, tilt, turn)
  that swells with the expression; [T, 3] yaw, pitch, roll in radians (yaw to the character's left,
  pitch down, roll to the character's left are positive).

How each emotion changes blinks, gaze and head is one table, ``MANNERS`` (documented in docs/emotion.md);
a mix of emotions mixes the entries linearly.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ..channels import CHANNEL_INDEX
from ..emotion import EMOTIONS
from ..speech.timeline import Timeline
from . import visemes as V
from .cues import Cues, accent_curve, accent_times  # noqa: F401  (accent_times: part of this layer's API)
from .dynamics import gain

BLINK_MEAN_S = 3.2
BLINK_MIN_GAP_S = 1.0
BLINK_AT_BOUNDARY_P = 0.6
BOUNDARY_PAUSE_S = 0.25
GAZE_AMPLITUDE = (0.22, 0.12)     # eyeLook weight of a glance: horizontal, vertical
SACCADE_S = 0.04
BROW_RAISE = (0.22, 0.16)         # browInnerUp, browOuterUp per accent at neutral
HEAD_DRIFT_RAD = (0.035, 0.025, 0.015)
HEAD_NOD_RAD = 0.03
STRESS_NOD_SHARE = 0.5            # a stressed vowel nods this much of what an accent does


@dataclass(frozen=True)
class Manner:
    """How an emotion blinks, looks and holds its head; neutral is the default of every field."""

    blink_rate: float = 1.0       # x the neutral blink frequency
    blink_length: float = 1.0     # x the neutral blink duration (100-150 ms)
    gaze_away: float = 0.5        # share of gaze holds spent glancing aside rather than at the listener
    gaze_spread: float = 1.0      # x the size of a glance
    gaze_down: float = 0.0        # eyeLook units, positive down
    gaze_hold: float = 1.0        # x the hold durations (0.4-2.5 s); small = darting
    head_pitch: float = 0.0       # posture, radians, positive down
    head_roll: float = 0.0        # tilt, radians, positive to the character's left
    head_yaw: float = 0.0         # turn, radians, positive to the character's left
    head_drift: float = 1.0       # x the slow drift
    head_nod: float = 1.0         # x the nods on accents and stresses


MANNERS: dict[str, Manner] = {
    "happy": Manner(blink_rate=1.1, gaze_away=0.4, head_pitch=-0.01, head_roll=0.035, head_drift=1.2,
                    head_nod=1.2),
    "angry": Manner(blink_rate=0.7, blink_length=0.9, gaze_away=0.2, gaze_spread=0.7, gaze_hold=1.5,
                    head_pitch=0.04, head_drift=0.7, head_nod=1.6),
    "sad": Manner(blink_rate=0.8, blink_length=1.4, gaze_away=0.75, gaze_spread=0.8, gaze_down=0.12,
                  gaze_hold=1.6, head_pitch=0.08, head_roll=0.04, head_drift=0.6, head_nod=0.5),
    "afraid": Manner(blink_rate=1.6, blink_length=0.8, gaze_away=0.7, gaze_spread=1.6, gaze_hold=0.3,
                     head_pitch=-0.03, head_yaw=0.02, head_drift=1.3, head_nod=0.8),
    "disgusted": Manner(gaze_away=0.65, gaze_down=0.03, head_pitch=-0.02, head_roll=-0.02, head_yaw=0.05,
                        head_drift=0.8),
    "melancholic": Manner(blink_rate=0.8, blink_length=1.4, gaze_away=0.7, gaze_spread=0.7, gaze_down=0.1,
                          gaze_hold=1.8, head_pitch=0.06, head_roll=0.05, head_drift=0.5, head_nod=0.5),
    "surprised": Manner(blink_rate=0.6, blink_length=0.9, gaze_away=0.3, gaze_spread=1.1, gaze_down=-0.04,
                        head_pitch=-0.05, head_nod=0.6),
    "calm": Manner(blink_rate=0.7, blink_length=1.6, gaze_away=0.4, gaze_spread=0.6, gaze_down=0.02,
                   gaze_hold=1.8, head_pitch=0.01, head_roll=0.02, head_drift=0.6, head_nod=0.6),
}
assert set(MANNERS) == set(EMOTIONS)
_FIELDS = [f.name for f in fields(Manner)]
_NEUTRAL = np.array([getattr(Manner(), n) for n in _FIELDS])
_DELTAS = np.array([[getattr(MANNERS[e], n) for n in _FIELDS] for e in EMOTIONS]) - _NEUTRAL[None, :]


def manner(emotion: np.ndarray) -> Manner:
    """The manner of an 8-d emotion vector: neutral plus each emotion's change times its intensity."""
    values = _NEUTRAL + np.asarray(emotion, dtype=np.float64) @ _DELTAS
    scales = ("blink_rate", "blink_length", "gaze_spread", "gaze_hold", "head_drift", "head_nod")
    return Manner(**{n: (max(0.1, float(v)) if n in scales else float(v)) for n, v in zip(_FIELDS, values)})


_E = {name: k for k, name in enumerate(EMOTIONS)}


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def rngs(seed: int) -> dict[str, np.random.Generator]:
    parts = ("blink", "gaze", "head")
    children = np.random.SeedSequence(int(seed) & 0xFFFFFFFF).spawn(len(parts))
    return {name: np.random.default_rng(child) for name, child in zip(parts, children)}


def boundaries(timeline: Timeline) -> list[float]:
    """Times where a blink is likely: sentence starts and the starts of longer pauses."""
    times = [s.start for s in timeline.sentences]
    times += [s.start for s in V.segments(timeline) if s.cls == V.PAUSE and s.duration >= BOUNDARY_PAUSE_S]
    return sorted({round(t, 4) for t in times})


def blink_times(duration: float, timeline: Timeline, rng: np.random.Generator, rate: float = 1.0) -> list[float]:
    """Blink peak times: a renewal process with extra blinks at boundaries (rate scales the frequency)."""
    mean = BLINK_MEAN_S / max(rate, 1e-3)
    planned: list[float] = []
    t = float(rng.uniform(0.3, 1.2 * mean))
    while t < duration:
        planned.append(t)
        t += max(BLINK_MIN_GAP_S, float(rng.gamma(4.0, mean / 4.0)))
    for b in boundaries(timeline):
        if rng.random() < BLINK_AT_BOUNDARY_P:
            planned.append(b + float(rng.uniform(0.03, 0.12)))
    chosen: list[float] = []
    for t in sorted(planned):
        if 0.0 <= t < duration and (not chosen or t - chosen[-1] >= BLINK_MIN_GAP_S):
            chosen.append(t)
    return chosen


def blink_curve(times: np.ndarray, fps: float, peaks: list[float], rng: np.random.Generator,
                length_scale: float = 1.0) -> np.ndarray:
    """[T] eyelid closure 0..1 from the blink peak times."""
    out = np.zeros(len(times))
    for peak in peaks:
        peak = round(peak * fps) / fps          # on a frame, so the lids close fully at any fps
        length = float(rng.uniform(0.10, 0.15)) * length_scale
        close, open_ = 0.4 * length, 0.6 * length
        rise = _smoothstep((times - (peak - close)) / close)
        fall = _smoothstep(((peak + open_) - times) / open_)
        out = np.maximum(out, np.where(times <= peak, rise, fall))
    return out


def gaze_curve(times: np.ndarray, rng: np.random.Generator, spread: float = 1.0,
               down_bias: float = 0.0, away: float = 0.5, hold_scale: float = 1.0) -> np.ndarray:
    """[T, 2] gaze (horizontal +left/-right, vertical +up/-down) in eyeLook units."""
    out = np.zeros((len(times), 2))
    if len(times) == 0:
        return out
    t, current = 0.0, np.zeros(2)
    end = float(times[-1])
    while t <= end:
        hold = float(rng.uniform(0.4, 2.5)) * hold_scale
        if rng.random() >= away:
            target = rng.normal(0.0, 0.02, size=2)            # back at the listener
        else:
            target = np.array([rng.uniform(-1, 1) * GAZE_AMPLITUDE[0], rng.uniform(-1, 1) * GAZE_AMPLITUDE[1]])
        target = target * spread - np.array([0.0, down_bias])
        step = _smoothstep((times - t) / SACCADE_S)[:, None]
        mask = times >= t
        out[mask] = (current + (target - current) * step)[mask]
        current, t = target, t + hold
    return out


def head_curve(times: np.ndarray, cues: Cues, emotions: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """[T, 3] yaw, pitch, roll in radians."""
    m = manner(emotions.mean(axis=0) if len(emotions) else np.zeros(len(EMOTIONS)))
    out = np.zeros((len(times), 3))
    for axis, amplitude in enumerate(HEAD_DRIFT_RAD):
        for _ in range(3):
            freq = float(rng.uniform(0.08, 0.45))
            phase = float(rng.uniform(0.0, 2 * np.pi))
            out[:, axis] += m.head_drift * amplitude / 3.0 * np.sin(2 * np.pi * freq * times + phase)
    out[:, 1] += m.head_nod * HEAD_NOD_RAD * np.clip(cues.accent + STRESS_NOD_SHARE * cues.stress, 0.0, 1.5)
    # Posture follows each frame's emotion and swells with the expression.
    posture = emotions @ _DELTAS[:, [_FIELDS.index(n) for n in ("head_yaw", "head_pitch", "head_roll")]]
    out += posture * (0.5 + 0.5 * gain(cues))[:, None]
    return out


def brow_gains(emotions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame gains of the accent brow raise (inner, outer) by emotion."""
    e = emotions
    damp = 0.8 * e[:, _E["angry"]] + 0.8 * e[:, _E["disgusted"]] + 0.6 * e[:, _E["calm"]]
    boost = 0.3 * e[:, _E["surprised"]] + 0.3 * e[:, _E["afraid"]]
    inner = np.clip(1.0 + boost - damp, 0.0, None)
    outer = np.clip(1.0 + boost - damp - 0.8 * e[:, _E["sad"]] - 0.6 * e[:, _E["melancholic"]], 0.0, None)
    return inner, outer


def life_channels(times: np.ndarray, fps: float, timeline: Timeline, cues: Cues,
                  emotions: np.ndarray, seed: int, head_motion: bool) -> tuple[np.ndarray, np.ndarray,
                                                                                np.ndarray, np.ndarray | None]:
    """(blink [T], gaze [T, 2], brow raise [T, 2] inner/outer, head [T, 3] or None)."""
    r = rngs(seed)
    m = manner(emotions.mean(axis=0) if len(emotions) else np.zeros(len(EMOTIONS)))
    duration = float(times[-1]) if len(times) else 0.0
    peaks = blink_times(duration, timeline, r["blink"], m.blink_rate)
    blink = blink_curve(times, fps, peaks, r["blink"], m.blink_length)
    gaze = gaze_curve(times, r["gaze"], spread=m.gaze_spread, down_bias=m.gaze_down, away=m.gaze_away,
                      hold_scale=m.gaze_hold)
    accents = cues.accent
    inner, outer = brow_gains(emotions)
    brows = np.stack([BROW_RAISE[0] * accents * inner, BROW_RAISE[1] * accents * outer], axis=1)
    head = head_curve(times, cues, emotions, r["head"]) if head_motion else None
    return blink, gaze, brows, head


def apply_life(weights: np.ndarray, blink: np.ndarray, gaze: np.ndarray, brows: np.ndarray) -> None:
    """Add the life channels to weights [T, 52] in place (before clipping)."""
    c = CHANNEL_INDEX
    horizontal, vertical = gaze[:, 0], gaze[:, 1]
    for side in ("Left", "Right"):
        toward_left = "Out" if side == "Left" else "In"
        toward_right = "In" if side == "Left" else "Out"
        weights[:, c[f"eyeLook{toward_left}{side}"]] += np.clip(horizontal, 0.0, None)
        weights[:, c[f"eyeLook{toward_right}{side}"]] += np.clip(-horizontal, 0.0, None)
        weights[:, c[f"eyeLookUp{side}"]] += np.clip(vertical, 0.0, None)
        weights[:, c[f"eyeLookDown{side}"]] += np.clip(-vertical, 0.0, None) + 0.1 * blink
        lid = c[f"eyeBlink{side}"]
        weights[:, lid] = weights[:, lid] + (1.0 - weights[:, lid]) * blink
        weights[:, c[f"eyeWide{side}"]] *= 1.0 - blink
        weights[:, c[f"browOuterUp{side}"]] += brows[:, 1]
    weights[:, c["browInnerUp"]] += brows[:, 0]
