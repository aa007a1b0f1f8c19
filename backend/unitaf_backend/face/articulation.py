"""Rules articulation: phoneme timeline -> ARKit-52 mouth, jaw and tongue weights at any fps.

The model, in three steps (docs/face.md has the full story):

1. **Targets.** Every letter segment of the timeline (see visemes.py) gets articulatory targets: jaw
   opening, lip rounding (pucker), funnel, spread, upper-lip raise, tongue. Vowels take theirs from the
   IPA chart (openness, rounding, spread); consonants from their viseme class. Stress and the loudness of
   the segment (prosody energy) scale the jaw and, less, the lips.
2. **Co-articulation.** Each parameter is a dominance-weighted average of the targets (Cohen and Massaro):
   a segment's dominance is flat over the segment and decays as exp(-(d / tau) ** 1.5) with the distance
   d before (anticipation) or after (carry-over) it. Vowels dominate the jaw; rounded vowels and w dominate
   the lips far ahead (anticipatory rounding); h and alveolars barely dominate anything, so they take the
   shape of their neighbours. Pauses pull everything to rest, in proportion to their length.
3. **Lip constraints.** Jaw and lips are separate (JALI): the jaw follows the blended vowel openness,
   while the lips obey the consonants that need contact. Bilabials (p b m) seal the lips fully over the
   whole segment, however short, and for at least a frame either side of its middle at any fps; f and v
   tuck the lower lip the same way. Closure is written as mouthClose = closure * jawOpen, ARKit's way of
   bringing the lips together whatever the jaw does.

All curves are computed directly at the frame times, so any fps works and nothing depends on a base rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..channels import CHANNEL_INDEX
from ..speech.timeline import Timeline
from ..speech.types import Prosody
from . import visemes as V
from .frames import check_fps, frame_times

# Articulatory parameters, blended by dominance.
JAW, ROUND, FUNNEL, SPREAD, UPPER, TONGUE = range(6)
N_PARAMS = 6

# Dominance reach in seconds (before the segment: anticipation; after: carry-over), per parameter.
TAU_BEFORE = np.array([0.065, 0.080, 0.080, 0.080, 0.080, 0.050])
TAU_AFTER = np.array([0.065, 0.070, 0.070, 0.070, 0.070, 0.050])
# Rounding reaches further (anticipatory rounding: the lips round during the consonants before "oo"),
# but an unrounded vowel on the way mostly blocks it: for pucker and funnel, time inside unrounded vowels
# counts UNROUNDED_TIME_FACTOR times (a warped time axis), so the reach dies out there.
ROUNDING_TAU_BEFORE = 0.160
ROUNDING_TAU_AFTER = 0.075
UNROUNDED_TIME_FACTOR = 3.0
# A pause reaches less far: the mouth leaves and reaches rest with the speech, it does not anticipate it.
# Its hold on the mouth also starts PAUSE_RELEASE_S after the speech before it, and ends PAUSE_LEAD_S
# before the speech after it: the articulators get going before the sound does.
PAUSE_TAU_BEFORE = 0.035
PAUSE_TAU_AFTER = 0.035
PAUSE_RELEASE_S = 0.040
PAUSE_LEAD_S = 0.040
_REACH = 3.5          # dominance is cut beyond REACH * tau (there it is below 0.2 %)
_REST_WEIGHT = 1e-3   # a faint pull to rest everywhere, so no frame is left without a target


@dataclass(frozen=True)
class Profile:
    """Targets and dominances of one viseme class."""

    jaw: float = 0.1
    round: float = 0.0
    funnel: float = 0.0
    spread: float = 0.0
    upper: float = 0.0
    tongue: float = 0.0
    jaw_dom: float = 0.4
    lip_dom: float = 0.3
    tongue_dom: float = 0.3


CONSONANT_PROFILES: dict[str, Profile] = {
    V.BILABIAL: Profile(jaw=0.04, jaw_dom=0.7, lip_dom=0.15),
    V.BILABIAL_FRICATIVE: Profile(jaw=0.05, round=0.15, jaw_dom=0.45, lip_dom=0.3),
    V.LABIODENTAL: Profile(jaw=0.06, upper=0.08, jaw_dom=0.6, lip_dom=0.2),
    V.DENTAL: Profile(jaw=0.12, tongue=0.45, jaw_dom=0.5, lip_dom=0.1, tongue_dom=2.0),
    V.ALVEOLAR: Profile(jaw=0.10, jaw_dom=0.3, lip_dom=0.08),
    V.SIBILANT: Profile(jaw=0.05, spread=0.3, jaw_dom=0.6, lip_dom=0.3),
    V.POSTALVEOLAR: Profile(jaw=0.07, round=0.3, funnel=0.45, upper=0.1, jaw_dom=0.55, lip_dom=1.0),
    V.LATERAL: Profile(jaw=0.16, jaw_dom=0.3, lip_dom=0.08),
    V.RHOTIC: Profile(jaw=0.12, round=0.25, funnel=0.2, jaw_dom=0.3, lip_dom=0.5),
    V.VELAR: Profile(jaw=0.14, jaw_dom=0.25, lip_dom=0.05),
    V.GLOTTAL: Profile(jaw=0.2, jaw_dom=0.03, lip_dom=0.02, tongue_dom=0.02),
    V.LABIAL_GLIDE: Profile(jaw=0.07, round=0.7, funnel=0.3, jaw_dom=0.5, lip_dom=1.6),
    V.PALATAL_GLIDE: Profile(jaw=0.08, spread=0.3, jaw_dom=0.4, lip_dom=0.4),
}
PAUSE_DOMINANCE = 1.6          # a full pause; shorter ones get less (see _pause_strength)
VOWEL_JAW_DOMINANCE = 1.0
ROUNDED_LIP_DOMINANCE = 1.3    # rounded vowels hold the lips against their neighbours
UNROUNDED_LIP_DOMINANCE = 0.6

# Lip contact constraints: ramps in seconds, and the least half-width of the sealed span.
CONTACT_RAMP_IN = 0.06
CONTACT_RAMP_OUT = 0.05
CONTACT_MIN_HALF = 0.015
CONTACT_STRENGTH = {V.BILABIAL: 1.0, V.BILABIAL_FRICATIVE: 0.6}
TUCK_STRENGTH = {V.LABIODENTAL: 1.0}

# Loudness of a segment relative to this level (dBFS of the RMS) opens the jaw more or less.
REFERENCE_DB = -20.0
DB_PER_UNIT_GAIN = 30.0
GAIN_RANGE = (0.8, 1.2)
STRESS_GAIN = {0: 0.92, 1: 1.05, 2: 1.0}


def vowel_profile(shape: V.VowelShape) -> Profile:
    """Jaw from openness; pucker/funnel from rounding (funnel grows with openness); spread for front vowels."""
    return Profile(
        jaw=0.08 + 0.42 * shape.openness,
        round=0.55 * shape.rounded * (1.0 - 0.5 * shape.openness),
        funnel=shape.rounded * (0.15 + 0.45 * shape.openness),
        spread=0.35 * shape.spread,
        upper=0.08 * max(0.0, shape.openness - 0.5),
        jaw_dom=VOWEL_JAW_DOMINANCE,
        lip_dom=ROUNDED_LIP_DOMINANCE if shape.rounded >= 0.5 else UNROUNDED_LIP_DOMINANCE,
        tongue_dom=0.3,
    )


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _pause_strength(duration: float) -> float:
    """Word gaps (< 50 ms) barely count; pauses of 250 ms and more pull fully to rest."""
    return float(_smoothstep(np.array((duration - 0.05) / 0.2)))


def _segment_gains(segs: list[V.Segment], prosody: Prosody | None) -> np.ndarray:
    """Per-segment articulation gain from stress and loudness."""
    gains = np.array([STRESS_GAIN.get(s.stress, 1.0) if s.cls == V.VOWEL else 1.0 for s in segs])
    if prosody is None or len(prosody.energy) == 0 or prosody.fps <= 0:
        return gains
    energy = np.asarray(prosody.energy, dtype=np.float64)
    for k, s in enumerate(segs):
        if s.cls == V.PAUSE:
            continue
        a = int(np.floor(s.start * prosody.fps))
        b = max(a + 1, int(np.ceil(s.end * prosody.fps)))
        window = energy[max(0, a):min(len(energy), b)]
        if window.size == 0:
            continue
        db = 20.0 * np.log10(float(np.sqrt(np.mean(window ** 2))) + 1e-6)
        gains[k] *= np.clip(1.0 + (db - REFERENCE_DB) / DB_PER_UNIT_GAIN, *GAIN_RANGE)
    return gains


def _rounds_lips(s: V.Segment) -> bool:
    return V.is_rounded(s) or s.cls == V.POSTALVEOLAR


def _targets(segs: list[V.Segment], gains: np.ndarray) -> tuple[np.ndarray, ...]:
    """Target [S, P], dominance [S, P] and reach before/after [S, P] of every segment."""
    n = len(segs)
    target = np.zeros((n, N_PARAMS))
    dom = np.zeros((n, N_PARAMS))
    tau_before = np.tile(TAU_BEFORE, (n, 1))
    tau_after = np.tile(TAU_AFTER, (n, 1))
    for k, s in enumerate(segs):
        if s.cls == V.PAUSE:
            dom[k, :] = PAUSE_DOMINANCE * _pause_strength(s.duration)
            tau_before[k, :] = PAUSE_TAU_BEFORE
            tau_after[k, :] = PAUSE_TAU_AFTER
            continue
        if _rounds_lips(s):
            tau_before[k, [ROUND, FUNNEL]] = ROUNDING_TAU_BEFORE
            tau_after[k, [ROUND, FUNNEL]] = ROUNDING_TAU_AFTER
        shape = s.vowel
        p = vowel_profile(shape) if shape is not None else CONSONANT_PROFILES[s.cls]
        g = gains[k]
        lip_g = 1.0 + 0.5 * (g - 1.0)
        target[k] = (p.jaw * g, p.round * lip_g, p.funnel * lip_g, p.spread * lip_g, p.upper, p.tongue)
        dom[k] = (p.jaw_dom, p.lip_dom, p.lip_dom, p.lip_dom, p.lip_dom, p.tongue_dom)
    return target, dom, tau_before, tau_after


def _time_axes(segs: list[V.Segment], times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-parameter time of each frame [T, P] and of each segment's start and end [S, P].

    Plain time for every parameter but pucker and funnel, which use the rounding-warped time.
    """
    edges = np.array([segs[0].start] + [s.end for s in segs])
    rate = np.array([UNROUNDED_TIME_FACTOR if (s.cls == V.VOWEL and not V.is_rounded(s)) else 1.0 for s in segs])
    warped_edges = np.concatenate([[edges[0]], edges[0] + np.cumsum(np.diff(edges) * rate)])
    warped = np.interp(times, edges, warped_edges, left=np.nan, right=np.nan)
    warped = np.where(times < edges[0], warped_edges[0] - (edges[0] - times), warped)
    warped = np.where(times > edges[-1], warped_edges[-1] + (times - edges[-1]), warped)
    frame_axis = np.repeat(times[:, None], N_PARAMS, axis=1)
    frame_axis[:, [ROUND, FUNNEL]] = warped[:, None]
    starts = np.repeat(edges[:-1, None], N_PARAMS, axis=1)
    ends = np.repeat(edges[1:, None], N_PARAMS, axis=1)
    starts[:, [ROUND, FUNNEL]] = warped_edges[:-1, None]
    ends[:, [ROUND, FUNNEL]] = warped_edges[1:, None]
    for k, seg in enumerate(segs):
        if seg.cls == V.PAUSE:
            share = min(1.0, seg.duration / (PAUSE_RELEASE_S + PAUSE_LEAD_S))
            starts[k] += PAUSE_RELEASE_S * share
            ends[k] -= PAUSE_LEAD_S * share
    return frame_axis, starts, ends


def _blend(segs: list[V.Segment], target: np.ndarray, dom: np.ndarray, tau_before: np.ndarray,
           tau_after: np.ndarray, times: np.ndarray, fps: float) -> np.ndarray:
    """Dominance-weighted average of the targets at each frame time: [T, P]."""
    n_frames = len(times)
    axis, starts, ends = _time_axes(segs, times)
    num = np.zeros((n_frames, N_PARAMS))
    den = np.full((n_frames, N_PARAMS), _REST_WEIGHT)
    for k, s in enumerate(segs):
        if not dom[k].any():
            continue
        i0 = max(0, int(np.ceil((s.start - _REACH * tau_before[k].max()) * fps)))
        i1 = min(n_frames, int(np.floor((s.end + _REACH * tau_after[k].max()) * fps)) + 1)
        if i1 <= i0:
            continue
        t = axis[i0:i1]
        before = np.clip(starts[k] - t, 0.0, None) / tau_before[k]
        after = np.clip(t - ends[k], 0.0, None) / tau_after[k]
        d = dom[k] * np.exp(-((before + after) ** 1.5))
        num[i0:i1] += d * target[k]
        den[i0:i1] += d
    return num / den


def _contact(segs: list[V.Segment], strengths: dict[str, float], times: np.ndarray, fps: float) -> np.ndarray:
    """Lip-contact demand [T] in [0, 1]: full over each contact segment (and a frame around its middle)."""
    out = np.zeros(len(times))
    half_min = max(CONTACT_MIN_HALF, 0.55 / fps)
    for s in segs:
        strength = strengths.get(s.cls)
        if not strength:
            continue
        core0 = min(s.start + 0.15 * s.duration, s.mid - half_min)
        core1 = max(s.end - 0.15 * s.duration, s.mid + half_min)
        i0 = max(0, int(np.ceil((core0 - CONTACT_RAMP_IN) * fps)))
        i1 = min(len(times), int(np.floor((core1 + CONTACT_RAMP_OUT) * fps)) + 1)
        if i1 <= i0:
            continue
        t = times[i0:i1]
        rise = _smoothstep((t - (core0 - CONTACT_RAMP_IN)) / CONTACT_RAMP_IN)
        fall = _smoothstep(((core1 + CONTACT_RAMP_OUT) - t) / CONTACT_RAMP_OUT)
        out[i0:i1] = np.maximum(out[i0:i1], strength * np.minimum(rise, fall))
    return out


def _to_arkit(params: np.ndarray, closure: np.ndarray, tuck: np.ndarray) -> np.ndarray:
    """Articulatory parameters -> ARKit-52 weights [T, 52] (mouth, jaw and tongue only)."""
    c = CHANNEL_INDEX
    jaw = np.clip(params[:, JAW], 0.0, 1.0)
    w = np.zeros((len(params), 52), dtype=np.float64)
    w[:, c["jawOpen"]] = jaw
    w[:, c["mouthClose"]] = closure * jaw
    lips_apart = (1.0 - closure) * (1.0 - tuck)
    for side in ("Left", "Right"):
        w[:, c["mouthPress" + side]] = 0.2 * closure
        w[:, c["mouthStretch" + side]] = 0.5 * params[:, SPREAD]
        w[:, c["mouthDimple" + side]] = 0.15 * params[:, SPREAD]
        w[:, c["mouthLowerDown" + side]] = 0.7 * np.clip(jaw - 0.12, 0.0, None) * lips_apart
        w[:, c["mouthUpperUp" + side]] = params[:, UPPER] * lips_apart + 0.12 * tuck
    w[:, c["mouthPucker"]] = params[:, ROUND]
    w[:, c["mouthFunnel"]] = params[:, FUNNEL] * (1.0 - closure)
    w[:, c["mouthRollLower"]] = 0.55 * tuck
    w[:, c["mouthRollUpper"]] = 0.08 * closure
    w[:, c["tongueOut"]] = params[:, TONGUE]
    return np.clip(w, 0.0, 1.0)


def articulate(timeline: Timeline, fps: float, prosody: Prosody | None = None) -> np.ndarray:
    """Mouth, jaw and tongue animation of a timeline: float32 [frame_count(duration, fps), 52], ARKit order.

    Frame i is at i / fps seconds from the first audio sample (see frames.py). Upper-face and eye channels
    are left at 0 for the expression and life layers.
    """
    fps = check_fps(fps)
    times = frame_times(timeline.duration, fps)
    segs = V.segments(timeline)
    if not segs:
        return np.zeros((len(times), 52), dtype=np.float32)
    gains = _segment_gains(segs, prosody)
    target, dom, tau_before, tau_after = _targets(segs, gains)
    params = _blend(segs, target, dom, tau_before, tau_after, times, fps)
    closure = _contact(segs, CONTACT_STRENGTH, times, fps)
    tuck = _contact(segs, TUCK_STRENGTH, times, fps)
    return _to_arkit(params, closure, tuck).astype(np.float32)
