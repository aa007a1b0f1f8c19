"""How long a text will take to say, predicted before any audio is made.

The text goes through the same front end as synthesis (``text.prepare``: cleaning, markup, normalisation,
sentences) and then through eSpeak NG's phonemiser, the one the voices speak from; the phone count and the
sentence count predict the seconds of speech. Phonemising is about a millisecond per hundred characters, so
requests can be admitted by the audio they would produce (3,000 random characters of many scripts become
over 20,000 phones; 1,200 "Hi." sentences, 4,800 phones and 1,200 pauses), not only by their length.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

from . import text as text_mod
from .voices import find_voice

# Fitted on the default voice at neutral rate ("Hi. " x 20: 14.2 s; two prose sentences: 12.0 s; numbers
# and money: 5.5 s; random Unicode: 72 s), rounded up so prose is over- rather than under-predicted.
SECONDS_PER_PHONE = 0.06
SECONDS_PER_SENTENCE = 0.5          # the silences at a sentence's ends and the pause after it


@dataclass(frozen=True)
class SpeechEstimate:
    phones: int
    sentences: int
    seconds: float


def estimate(text: str, voice: str | None = None) -> SpeechEstimate:
    """Predict the speech `text` makes with `voice`; raises BadInput for text synthesis would refuse."""
    chosen = find_voice(voice)
    sentences = text_mod.prepare(text, np.zeros(8, np.float32), english=chosen.english)
    phones = sum(_phone_count(s.text, chosen.info.language) for s in sentences)
    seconds = phones * SECONDS_PER_PHONE + len(sentences) * SECONDS_PER_SENTENCE
    return SpeechEstimate(phones=phones, sentences=len(sentences), seconds=round(seconds, 2))


def _phone_count(sentence: str, language: str) -> int:
    """Letters of eSpeak's phoneme string (stress and length marks included, as in the fit above)."""
    try:
        phonemes = _phonemizer().phonemize(language, sentence)
    except Exception:  # noqa: BLE001 - a language the phonemiser lacks: about a phone per character
        return sum(1 for c in sentence if unicodedata.category(c)[0] in "LN")
    return sum(1 for group in phonemes for c in group if unicodedata.category(c)[0] == "L")


_PHONEMIZER: list[object] = []


def _phonemizer():  # type: ignore[no-untyped-def]
    from piper.phonemize_espeak import EspeakPhonemizer
    from piper.voice import _ESPEAK_PHONEMIZER_LOCK

    class Locked:
        """Piper's phonemiser has global state: every call under Piper's own lock."""

        def __init__(self) -> None:
            with _ESPEAK_PHONEMIZER_LOCK:
                self.inner = EspeakPhonemizer()

        def phonemize(self, language: str, sentence: str) -> list[list[str]]:
            with _ESPEAK_PHONEMIZER_LOCK:
                return self.inner.phonemize(language, sentence)

    if not _PHONEMIZER:
        _PHONEMIZER.append(Locked())
    return _PHONEMIZER[0]
