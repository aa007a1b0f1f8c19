"""Rules articulation: frame timing, lip closure, tuck, rounding, jaw, rest, co-articulation, energy."""

import dataclasses

import numpy as np
import pytest
from face_timelines import line, timeline
from unitaf_backend.channels import CHANNEL_INDEX as C
from unitaf_backend.channels import MOUTH_CHANNELS
from unitaf_backend.errors import BadInput
from unitaf_backend.face import visemes as V
from unitaf_backend.face.articulation import articulate
from unitaf_backend.face.frames import frame_count, frame_times
from unitaf_backend.speech.types import Prosody

FPS = (24.0, 25.0, 30.0, 48.0, 50.0, 60.0, 29.97)


def at(weights, t, fps):
    return weights[round(t * fps)]


@pytest.mark.parametrize("fps", FPS)
def test_frame_count_covers_the_audio(fps):
    tl = line()
    w = articulate(tl, fps)
    assert w.dtype == np.float32 and w.shape == (frame_count(tl.duration, fps), 52)
    assert (len(w) - 1) / fps >= tl.duration - 1e-9 > (len(w) - 2) / fps
    assert ((w >= 0) & (w <= 1)).all()


def test_frame_count_rule_on_exact_multiples():
    assert frame_count(1.0, 30) == 31
    assert frame_count(0.1, 30) == 4          # 0.1 * 30 = 3.0000000000000004 is still 3 frames in
    assert frame_count(0.0, 30) == 1
    assert frame_times(1.0, 4).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    with pytest.raises(BadInput):
        frame_count(1.0, 0)


@pytest.mark.parametrize("fps", FPS)
@pytest.mark.parametrize("ms", [20, 35, 60, 120])
def test_bilabials_close_fully_even_when_short(fps, ms):
    # a p squeezed between two open vowels: the jaw stays open, the lips still meet
    tl = timeline(f"_:200 ˈa:150 p:{ms} ˈa:150 m:{ms} ɑ:150 _:200")
    w = articulate(tl, fps)
    for seg in V.segments(tl):
        if seg.cls == V.BILABIAL:
            f = at(w, seg.mid, fps)
            assert f[C["jawOpen"]] - f[C["mouthClose"]] <= 0.02
            assert f[C["mouthClose"]] <= f[C["jawOpen"]] + 1e-6


@pytest.mark.parametrize("fps", (24.0, 30.0, 60.0))
def test_labiodentals_tuck_the_lower_lip(fps):
    tl = timeline("_:200 ˈa:150 f:40 ˈi:150 v:70 u:150 _:200")
    w = articulate(tl, fps)
    for seg in V.segments(tl):
        if seg.cls == V.LABIODENTAL:
            assert at(w, seg.mid, fps)[C["mouthRollLower"]] >= 0.4
    vowel = next(s for s in V.segments(tl) if s.letter == "i")
    assert at(w, vowel.mid, fps)[C["mouthRollLower"]] < 0.05


def test_rounded_vowels_pucker_and_open_vowels_open_the_jaw():
    fps = 30.0
    tl = timeline("_:200 t:60 ˈu:160 t:60 ˈi:160 t:60 ˈɑ:160 t:60 ˈɔ:160 t:60 ˈə:160 _:200")
    w = articulate(tl, fps)
    mid = {s.letter: at(w, s.mid, fps) for s in V.segments(tl) if s.cls == V.VOWEL}
    rounding = {k: max(f[C["mouthPucker"]], f[C["mouthFunnel"]]) for k, f in mid.items()}
    jaw = {k: f[C["jawOpen"]] for k, f in mid.items()}
    assert rounding["u"] > 0.4 and rounding["ɔ"] > 0.3
    assert rounding["i"] < 0.05 and rounding["ɑ"] < 0.05
    # the jaw opens in proportion to the vowel
    assert jaw["ɑ"] > jaw["ɔ"] > jaw["i"] and jaw["ɑ"] > jaw["ə"] > jaw["u"]
    assert jaw["ɑ"] >= 0.4
    # spread vowels stretch the lips, rounded ones do not
    assert mid["i"][C["mouthStretchLeft"]] > mid["u"][C["mouthStretchLeft"]] + 0.1


def test_the_mouth_rests_in_pauses_and_never_holds_a_pose():
    fps = 30.0
    tl = timeline("_:300 ˈa:200 _:600 ˈɑ:200 m:80 _:500")
    w = articulate(tl, fps)
    for seg in V.segments(tl):
        if seg.cls == V.PAUSE:
            mouth = [C[n] for n in MOUTH_CHANNELS]
            i0, i1 = int(np.ceil((seg.start + 0.1) * fps)), int((seg.end - 0.1) * fps)
            assert w[i0:i1 + 1, mouth].max() <= 0.08
            i0, i1 = int(np.ceil((seg.start + 0.25) * fps)), int((seg.end - 0.25) * fps)
            if i1 >= i0:
                assert w[i0:i1 + 1, mouth].max() <= 0.01
    assert w[0].max() == 0 and w[-1].max() < 0.01


def test_word_gaps_do_not_close_the_mouth():
    fps = 60.0
    tl = timeline("_:200 ˈa:120 _:30 ˈa:120 _:200")
    gap = V.segments(tl)[2]
    assert at(articulate(tl, fps), gap.mid, fps)[C["jawOpen"]] > 0.3


def test_anticipatory_rounding_starts_in_the_consonants_before_a_rounded_vowel():
    fps = 60.0
    soon = articulate(timeline("_:300 s:90 t:60 ˈu:200 _:300"), fps)
    steep = articulate(timeline("_:300 s:90 t:60 ˈi:200 _:300"), fps)
    t_mid = 0.3 + 0.09 + 0.03       # middle of the t
    assert at(soon, t_mid, fps)[C["mouthPucker"]] > 0.2
    assert at(steep, t_mid, fps)[C["mouthPucker"]] < 0.02


def test_consonants_take_the_shape_of_their_vowels():
    # the jaw in a k between two open vowels stays well open (co-articulation), between close vowels not
    fps = 60.0
    open_k = articulate(timeline("_:200 ˈa:150 k:60 a:150 _:200"), fps)
    close_k = articulate(timeline("_:200 ˈi:150 k:60 i:150 _:200"), fps)
    t = 0.2 + 0.15 + 0.03
    assert at(open_k, t, fps)[C["jawOpen"]] > at(close_k, t, fps)[C["jawOpen"]] + 0.15


def test_dentals_show_the_tongue():
    fps = 60.0
    w = articulate(timeline("_:200 ˈa:150 θ:90 ɪ:150 _:200"), fps)
    assert at(w, 0.2 + 0.15 + 0.045, fps)[C["tongueOut"]] > 0.25


def _prosody(tl, level):
    fps = 100.0
    n = int(tl.duration * fps) + 1
    return Prosody(fps=fps, f0=np.full(n, 120.0, np.float32), energy=np.full(n, level, np.float32))


def test_louder_speech_articulates_more_and_stress_matters():
    fps = 30.0
    tl = timeline("_:200 t:60 ˈa:160 t:60 _:300")
    t = 0.2 + 0.06 + 0.08
    loud = at(articulate(tl, fps, _prosody(tl, 0.3)), t, fps)[C["jawOpen"]]
    soft = at(articulate(tl, fps, _prosody(tl, 0.02)), t, fps)[C["jawOpen"]]
    assert loud > soft * 1.2
    unstressed = at(articulate(timeline("_:200 t:60 a:160 t:60 _:300"), fps), t, fps)[C["jawOpen"]]
    stressed = at(articulate(tl, fps), t, fps)[C["jawOpen"]]
    assert stressed > unstressed


def test_deterministic_and_upper_face_left_alone():
    tl = line()
    a, b = articulate(tl, 30.0), articulate(tl, 30.0)
    assert np.array_equal(a, b)
    upper = [i for i in range(52) if i not in {C[n] for n in MOUTH_CHANNELS}]
    assert a[:, upper].max() == 0.0


def test_empty_and_silent_timelines():
    tl = dataclasses.replace(line(), phones=(), duration=0.5)
    assert articulate(tl, 30.0).shape == (16, 52)
    assert articulate(timeline("_:1000"), 30.0).max() == 0.0


def test_zero_length_phones_and_modifier_phones_are_harmless():
    tl = timeline("_:0 p:0 ˈa:100 ː:0 m:0 _:0 b:20 u:0 _:200")
    w = articulate(tl, 30.0)
    assert w.shape == (frame_count(tl.duration, 30.0), 52) and np.isfinite(w).all()
    assert w[:, C["jawOpen"]].max() > 0.2
