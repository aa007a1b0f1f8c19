"""Which phones belong to which word: eSpeak NG's word events, merged units split back, alignment."""

from __future__ import annotations

from unitaf_backend.speech import espeak_lib
from unitaf_backend.speech.engines import _align, espeak_words


def _words(text: str) -> list[tuple[str, str]]:
    _, events, _ = espeak_lib.synthesize(text, "en-us")
    words, reference = espeak_words(text, events, "en-us")
    return [(w, "".join(s for s, k in reference if k == i)) for i, w in enumerate(words)]


def test_units_espeak_merges_are_split_back_into_words():
    assert _words("one of the best") == [("one", "wʌn"), ("of", "ʌv"), ("the", "ðə"), ("best", "bɛst")]


def test_contractions_acronyms_and_punctuation_stay_one_word():
    words = [w for w, _ in _words("I'm at the FBI, (really)!")]
    assert words == ["I'm", "at", "the", "FBI", "really"]
    assert all(phones for _, phones in _words("I'm at the FBI, (really)!"))


def test_alignment_maps_insertions_and_deletions():
    assert _align(list("abcd"), list("abcd")) == [0, 1, 2, 3]
    assert _align(list("abcd"), list("abxcd")) == [0, 1, 3, 4]
    assert _align(list("axbc"), list("abc")) == [0, -1, 1, 2]
    assert _align(list("ab"), []) == [-1, -1]
