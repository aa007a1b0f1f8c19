"""Text normalisation, sentence splitting, emotion markup, and limits."""

from __future__ import annotations

import numpy as np
import pytest
from unitaf_backend.emotion import parse_emotion
from unitaf_backend.errors import BadInput
from unitaf_backend.speech import text as T

NEUTRAL = np.zeros(8, dtype=np.float32)


@pytest.mark.parametrize("raw, spoken", [
    ("I have 3 cats.", "I have three cats."),
    ("It costs $3.50 today.", "It costs three dollars and fifty cents today."),
    ("Meet at 5:30pm.", "Meet at five thirty PM."),
    ("Born in 1999, not 2005.", "Born in nineteen ninety nine, not two thousand and five."),
    ("On the 21st and the 2nd.", "On the twenty first and the second."),
    ("About 10% of 1,250,000.", "About ten percent of one million two hundred and fifty thousand."),
    ("It was -5.5 degrees.", "It was minus five point five degrees."),
    ("Dr. Smith & Mr. Jones, etc.", "Doctor Smith and Mister Jones, et cetera"),
    ("Call 007.", "Call zero zero seven."),
    ("No. 5 is mine. No. It is not.", "Number five is mine. No. It is not."),
])
def test_english_normalisation(raw, spoken):
    assert T.normalise_punctuation(T.normalise_english(raw)).rstrip(".") == spoken.rstrip(".")


def test_number_words():
    assert T.number_words(0) == "zero"
    assert T.number_words(115) == "one hundred and fifteen"
    assert T.number_words(2_000_017) == "two million and seventeen"
    assert T.ordinal_words(42) == "forty second"
    assert T.year_words(1905) == "nineteen oh five"


def test_sentences_split_with_pauses_by_ending():
    sentences = T.prepare("First one. Is it? Yes! Wait…\nNew paragraph", NEUTRAL, english=True)
    assert [s.text for s in sentences] == ["First one.", "Is it?", "Yes!", "Wait…", "New paragraph"]
    pauses = [s.pause_after for s in sentences]
    assert pauses[1] > pauses[0] and pauses[3] > pauses[1]


def test_long_sentence_is_cut_at_commas_or_words():
    long = ", ".join(["a fairly long clause that keeps going"] * 20) + "."
    pieces = T.prepare(long, NEUTRAL, english=True)
    assert len(pieces) > 1 and all(len(p.text) <= T.MAX_SENTENCE_CHARS for p in pieces)
    assert " ".join(p.text for p in pieces).count("clause") == 20


def test_emotion_markup_applies_forward():
    sentences = T.prepare("Before. [happy:0.8] First. Still happy. [sad] Last.", parse_emotion("calm"),
                          english=True)
    assert [s.text for s in sentences] == ["Before.", "First.", "Still happy.", "Last."]
    np.testing.assert_allclose(sentences[0].emotion, parse_emotion("calm"))
    np.testing.assert_allclose(sentences[1].emotion, parse_emotion("happy:0.8"))
    np.testing.assert_allclose(sentences[2].emotion, parse_emotion("happy:0.8"))
    np.testing.assert_allclose(sentences[3].emotion, parse_emotion("sad"))


def test_markup_mix_and_bad_tag():
    (s,) = T.prepare("[happy:0.5+surprised:0.3] Oh!", NEUTRAL, english=True)
    np.testing.assert_allclose(s.emotion, parse_emotion("happy:0.5+surprised:0.3"))
    with pytest.raises(BadInput, match="joy"):
        T.prepare("[joy] Hi.", NEUTRAL, english=True)


def test_control_characters_and_emoji_are_dropped_with_a_warning():
    with pytest.warns(UserWarning, match="dropped 3"):
        sentences = T.prepare("Hi\x07 there \U0001F600 friend\u200b.", NEUTRAL, english=True)
    assert [s.text for s in sentences] == ["Hi there friend."]


@pytest.mark.parametrize("bad, message", [
    ("", "empty"), ("   \n\t ", "empty"), ("\U0001F600\U0001F680", "nothing speakable"),
    ("... !!! ???", "nothing speakable"), ("a" * (T.MAX_CHARS + 1), "limit"),
])
@pytest.mark.filterwarnings("ignore:dropped")
def test_bad_text(bad, message):
    with pytest.raises(BadInput, match=message):
        T.prepare(bad, NEUTRAL, english=True)


def test_other_languages_keep_numbers_for_espeak():
    (s,) = T.prepare("Ich habe 3 Katzen.", NEUTRAL, english=False)
    assert s.text == "Ich habe 3 Katzen."
