"""Expression as motion: onset and decay around the speech, swells on accents, gestures timed to prosody."""

import numpy as np
import pytest
from face_timelines import line, timeline
from unitaf_backend.channels import CHANNEL_INDEX as C
from unitaf_backend.emotion import EMOTIONS, PRESETS, emotion_vector
from unitaf_backend.face import cues as prosodic_cues
from unitaf_backend.face import dynamics, expression
from unitaf_backend.face import motion_metrics as mm
from unitaf_backend.face.articulation import articulate
from unitaf_backend.face.layers import add_expression_and_life
from unitaf_backend.speech.types import Prosody

FPS = 30.0
# five stressed syllables over flat pitch, one accent (a pitch peak) at 1.0-1.2 s, falling pitch after 1.6 s
SPEC = "_:300 " + " ".join(["t:80 ˈa:220 t:80 ə:120"] * 5) + " _:500"


def prosody_for(tl, accent=(1.0, 1.2), fall_from=1.6):
    n = int(tl.duration * 100) + 1
    t = np.arange(n) / 100.0
    f0 = np.full(n, 120.0)
    f0[(t >= accent[0]) & (t < accent[1])] = 170.0
    falling = t >= fall_from
    f0[falling] = 120.0 * 2 ** (-(t[falling] - fall_from) * 12.0 / 12.0)   # 12 semitones per second down
    f0[(t < 0.3) | (t > tl.duration - 0.5)] = 0.0
    energy = np.where(f0 > 0, 0.1, 0.001)
    return Prosody(fps=100.0, f0=f0.astype(np.float32), energy=energy.astype(np.float32))


def expression_only(tl, prosody=None):
    mouth = articulate(tl, FPS, prosody=prosody)
    times = np.arange(len(mouth)) / FPS
    emotions = expression.emotion_curve(tl, times)
    cues = prosodic_cues.compute(tl, times, prosody)
    return times, expression.expression_pose(emotions, mouth, cues), cues


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_the_expression_starts_before_the_first_phone_and_settles_after_the_last(emotion):
    tl = line(emotion)
    times, pose, cues = expression_only(tl)
    level = pose.sum(axis=1)
    first, last = cues.span
    speaking = level[(times >= first) & (times <= last)].mean()
    at = {name: level[round(t * FPS)] for name, t in (("start", 0.0), ("lead", first - 0.1), ("first", first))}
    assert at["start"] < at["lead"] < at["first"], at       # rising before the voice starts
    assert at["start"] < 0.5 * speaking
    assert level[-1] < 0.5 * speaking                       # decayed after the last phone
    tail = level[times > last]
    assert np.all(np.diff(tail) <= 1e-9)                    # only falling once the voice has stopped
    assert abs(level[-1] - level[-2]) < 0.1 * speaking      # and settled by the clip's end


def test_the_pose_swells_on_the_accent_and_relaxes_in_pauses():
    tl = timeline("_:300 " + " ".join(["t:80 ˈa:220 t:80 ə:120"] * 3) + " _:600 " +
                  " ".join(["t:80 ə:220 t:80 ə:120"] * 3) + " _:300", "happy")
    prosody = prosody_for(tl, accent=(0.55, 0.7), fall_from=99.0)
    _, _, cues = expression_only(tl, prosody)
    gain = dynamics.gain(cues)
    # the pause is 1.8-2.4 s; unstressed speech follows it
    assert gain[round(0.62 * FPS)] > gain[round(3.0 * FPS)] + 0.2     # accent vs unstressed speech
    assert gain[round(2.1 * FPS)] < gain[round(3.0 * FPS)] - 0.05     # the pause relaxes below speaking


def test_gestures_are_timed_to_the_prosody():
    def channel(emotion, name):
        tl = timeline(SPEC, emotion)
        times, pose, _ = expression_only(tl, prosody_for(tl))
        return times, pose[:, C[name]]

    times, wide = channel("surprised", "eyeWideLeft")
    assert abs(times[np.argmax(wide)] - 1.1) <= 0.15                 # lids open on the accent
    tl = timeline(SPEC, "angry")
    times, _, cues = expression_only(tl, prosody_for(tl))
    brow = dynamics.gestures(expression.emotion_curve(tl, times), cues)[:, C["browDownLeft"]]
    syllable = (times >= 0.3) & (times < 0.8)                        # 't' at 0.30-0.38 opens 'ˈa'
    assert abs(times[syllable][np.argmax(brow[syllable])] - 0.34) <= 0.07   # brows drop on the consonant
    times, inner = channel("sad", "browInnerUp")
    assert inner[round(1.9 * FPS)] > inner[round(0.7 * FPS)] + 0.1   # inner brows rise as the pitch falls
    tl = timeline(SPEC + " " + SPEC.replace("_:300 ", ""), "happy", sentence_breaks=(20,))
    times, pose, _ = expression_only(tl)
    cheek = pose[:, C["cheekSquintLeft"]]
    end = tl.sentences[0].end
    window = (times > end - 1.0) & (times < end + 1.0)
    assert times[window][np.argmax(cheek[window])] > end              # the smile peaks after the phrase end


def test_intensity_scales_the_moving_expression_and_it_is_the_same_each_time():
    half = expression_only(line("angry:0.5"))[1]
    full = expression_only(line("angry:1.0"))[1]
    again = expression_only(line("angry:1.0"))[1]
    assert np.array_equal(full, again)
    assert np.allclose(full, 2.0 * half, atol=1e-9)


@pytest.fixture(scope="module")
def spoken_lines():
    from unitaf_backend import speech
    from unitaf_backend.commands.evaluate import heldout_lines
    texts = heldout_lines()[:3]
    return {p: [speech.synthesize(t, emotion=emotion_vector(p), seed=k) for k, t in enumerate(texts)]
            for p in PRESETS}


@pytest.mark.parametrize("preset", PRESETS)
def test_on_spoken_held_out_lines_the_expression_varies_and_peaks_near_accents(preset, spoken_lines):
    channels = mm.expression_channels(preset)
    upper = mm.expression_channels(preset, upper_face=True)
    peaks = near = 0
    chance = []
    for k, spoken in enumerate(spoken_lines[preset]):
        mouth = articulate(spoken.timeline, FPS, prosody=spoken.prosody)
        weights, _ = add_expression_and_life(mouth, spoken.timeline, FPS, prosody=spoken.prosody, seed=k)
        ratios = mm.variation(weights, channels)
        assert ratios.min() >= 0.25, f"{preset}: std/mean {ratios.round(2)}"
        span = prosodic_cues.speech_span(spoken.timeline)
        accents = prosodic_cues.accent_times(spoken.timeline, spoken.prosody)
        ap = mm.accent_peaks(weights[:, upper].sum(axis=1), FPS, accents, span)
        peaks, near, chance = peaks + ap.peaks, near + ap.near, chance + [ap.chance]
        level = weights[:, channels].sum(axis=1)
        settle = mm.onset_and_settle(level, FPS, span)
        assert settle.first_frame < settle.speaking_mean and settle.last_frame < settle.speaking_mean
    assert peaks >= 3 and near / peaks > np.mean(chance), (near, peaks, np.mean(chance))
