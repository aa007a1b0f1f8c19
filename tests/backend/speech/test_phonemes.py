"""Cutting eSpeak NG's IPA into phones, and the shared symbol inventory."""

from __future__ import annotations

import itertools

import numpy as np
from unitaf_backend.speech.phonemes import (
    ARTICULATORY_NAMES,
    PHONE_SYMBOLS,
    SILENCE,
    WORD_BREAK,
    articulatory_features,
    phone_symbols,
    segment,
)


def _symbols(ipa: str) -> list[tuple[str, int]]:
    return [(t.symbol, t.stress) for t in segment(ipa)]


def test_stress_moves_to_the_vowel_and_digraphs_stay_whole():
    assert _symbols("həlˈoʊ") == [("h", 0), ("ə", 0), ("l", 0), ("oʊ", 1)]
    assert _symbols("ɡˌoʊɪŋ") == [("ɡ", 0), ("oʊ", 2), ("ɪ", 0), ("ŋ", 0)]
    assert _symbols("tʃˈɜːtʃ") == [("tʃ", 0), ("ɜː", 1), ("tʃ", 0)]


def test_breaks_pauses_and_modifiers():
    assert _symbols("ðɪʲ ˈɛnd.") == [("ð", 0), ("ɪ", 0), (WORD_BREAK, 0), ("ɛ", 1), ("n", 0), ("d", 0),
                                     (SILENCE, 0)]
    assert _symbols("bjˈɛ̃") == [("b", 0), ("j", 0), ("ɛ", 1)]          # nasalisation belongs to the vowel


def test_characters_are_partitioned():
    ipa = "ɪɾ ɪz wˈʌn ʌvðə bˈɛst, kˈɔːɹs."
    tokens = segment(ipa)
    for a, b in itertools.pairwise(tokens):
        assert a.end_char <= b.first_char
    owned = sum(t.end_char - t.first_char for t in tokens)
    assert owned == len(ipa)


def test_inventory_is_closed_and_described():
    assert phone_symbols("piper") == phone_symbols("espeak") == PHONE_SYMBOLS
    assert {"p", "b", "m", "f", "v", "oʊ", "aɪ", "iː", "tʃ", "dʒ", "ɹ", SILENCE} <= PHONE_SYMBOLS
    for symbol in PHONE_SYMBOLS:
        vec = articulatory_features(symbol)
        assert vec.shape == (len(ARTICULATORY_NAMES),) and np.isfinite(vec).all()
    b = dict(zip(ARTICULATORY_NAMES, articulatory_features("b")))
    assert b["place_bilabial"] == 1 and b["manner_stop"] == 1 and b["voiced"] == 1
    u = dict(zip(ARTICULATORY_NAMES, articulatory_features("uː")))
    assert u["vowel"] == 1 and u["rounded"] == 1 and u["long"] == 1


def test_anything_espeak_writes_maps_into_the_inventory():
    for ipa in ("nˈi3 hˈaʊ3", "ʁˈɛstoʁɑ̃", "ʔaχˈad", "ˈɯ̟ᵝ", "kʰˈa ɳ"):
        assert {t.symbol for t in segment(ipa)} <= PHONE_SYMBOLS | {WORD_BREAK}
