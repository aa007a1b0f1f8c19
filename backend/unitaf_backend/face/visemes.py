"""The one place that says how every phoneme symbol looks on the mouth.

Both TTS engines phonemise through eSpeak NG, so timeline symbols are IPA as eSpeak NG writes it. Piper's
voices even list their whole inventory (151 symbols for en_US-joe-medium): single IPA letters, stress and
length marks, diacritics, tone digits and punctuation. Rather than list eSpeak's ~100 languages one by one,
this table covers the IPA chart itself, letter by letter:

* every IPA vowel letter gets its openness (0 close .. 1 open), lip rounding and lip spread;
* every IPA consonant letter gets a viseme class (bilabial, labiodental, dental, ...);
* diacritics, stress and length marks, tone digits and other modifiers change nothing visible; a phone
  made only of them (Piper aligns them as phones of their own) extends the phone before it;
* pauses, word spaces and punctuation are rests;
* a symbol of several letters (a diphthong ``aɪ``, an affricate ``tʃ`` or its ligature ``ʧ``) is split
  into one segment per letter, sharing the phone's time (diphthong 55/45, affricate 40/60, else even).

``segments(timeline)`` turns a timeline into that flat list of letter segments; the articulation model
and the evaluator both read it, so they agree on what each phone is.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass

from ..speech.timeline import SILENCE, Timeline

_LOG = logging.getLogger(__name__)

# Viseme classes. "kind" decides how the articulation model treats a class.
PAUSE = "pause"
VOWEL = "vowel"
BILABIAL = "bilabial"            # p b m: lips close fully
LABIODENTAL = "labiodental"      # f v: lower lip tucks under the upper teeth
DENTAL = "dental"                # θ ð: tongue tip between the teeth
ALVEOLAR = "alveolar"            # t d n ɾ: tongue tip, lips free
SIBILANT = "sibilant"            # s z: teeth close, lips slightly spread
POSTALVEOLAR = "postalveolar"    # ʃ ʒ (and tʃ dʒ): lips protrude and funnel
LATERAL = "lateral"              # l: tongue tip up, jaw a little open
RHOTIC = "rhotic"                # ɹ r: slight rounding
VELAR = "velar"                  # k g ŋ x: back of the tongue, lips free
GLOTTAL = "glottal"              # h ʔ: takes the shape of its neighbours
LABIAL_GLIDE = "labial_glide"    # w ʍ ɥ: strong rounding
PALATAL_GLIDE = "palatal_glide"  # j: slight spread
BILABIAL_FRICATIVE = "bilabial_fricative"  # ɸ β: lips nearly closed, not sealed

CLASSES: tuple[str, ...] = (
    PAUSE, VOWEL, BILABIAL, LABIODENTAL, DENTAL, ALVEOLAR, SIBILANT, POSTALVEOLAR, LATERAL, RHOTIC,
    VELAR, GLOTTAL, LABIAL_GLIDE, PALATAL_GLIDE, BILABIAL_FRICATIVE,
)


@dataclass(frozen=True)
class VowelShape:
    openness: float   # 0 close (i, u) .. 1 open (a, ɑ): drives the jaw
    rounded: float    # 0 spread/neutral .. 1 fully rounded lips
    spread: float     # 0 .. 1 lip spreading of front unrounded vowels


# IPA vowel chart: height -> openness, plus rounding and spread.
VOWELS: dict[str, VowelShape] = {
    # close
    "i": VowelShape(0.00, 0.0, 1.0), "y": VowelShape(0.00, 1.0, 0.0), "ɨ": VowelShape(0.05, 0.0, 0.5),
    "ʉ": VowelShape(0.05, 1.0, 0.0), "ɯ": VowelShape(0.05, 0.0, 0.3), "u": VowelShape(0.00, 1.0, 0.0),
    # near-close
    "ɪ": VowelShape(0.15, 0.0, 0.7), "ʏ": VowelShape(0.15, 0.8, 0.0), "ʊ": VowelShape(0.15, 0.8, 0.0),
    "ᵻ": VowelShape(0.15, 0.0, 0.5),
    # close-mid
    "e": VowelShape(0.35, 0.0, 0.8), "ø": VowelShape(0.35, 1.0, 0.0), "ɘ": VowelShape(0.35, 0.0, 0.3),
    "ɵ": VowelShape(0.35, 0.8, 0.0), "ɤ": VowelShape(0.35, 0.0, 0.2), "o": VowelShape(0.35, 1.0, 0.0),
    # mid (and the r-coloured mid vowels eSpeak writes for English)
    "ə": VowelShape(0.45, 0.0, 0.1), "ɚ": VowelShape(0.40, 0.3, 0.0), "ɝ": VowelShape(0.45, 0.3, 0.0),
    # open-mid (ε is the Greek letter some voices list beside ɛ)
    "ɛ": VowelShape(0.60, 0.0, 0.6), "ε": VowelShape(0.60, 0.0, 0.6), "œ": VowelShape(0.60, 0.8, 0.0),
    "ɜ": VowelShape(0.55, 0.0, 0.2), "ɞ": VowelShape(0.60, 0.7, 0.0), "ʌ": VowelShape(0.65, 0.0, 0.1),
    "ɔ": VowelShape(0.60, 0.9, 0.0),
    # near-open
    "æ": VowelShape(0.85, 0.0, 0.6), "ɐ": VowelShape(0.75, 0.0, 0.1),
    # open
    "a": VowelShape(1.00, 0.0, 0.3), "ɶ": VowelShape(0.95, 0.7, 0.0), "ɑ": VowelShape(1.00, 0.0, 0.0),
    "ɒ": VowelShape(0.95, 0.6, 0.0),
}

# IPA consonant letters (pulmonic, non-pulmonic, co-articulated; plus ASCII spellings eSpeak uses).
CONSONANTS: dict[str, str] = {}


def _add(cls: str, letters: str) -> None:
    for ch in letters:
        assert ch not in CONSONANTS and ch not in VOWELS, ch
        CONSONANTS[ch] = cls


_add(BILABIAL, "pbmɓʙʘ")
_add(BILABIAL_FRICATIVE, "ɸβ")
_add(LABIODENTAL, "fvɱʋⱱ")
_add(DENTAL, "θð")
_add(ALVEOLAR, "tdnɾɗʈɖɳɽɺǀǃ")
_add(SIBILANT, "szɕʑʂʐ")
_add(POSTALVEOLAR, "ʃʒɧ")
_add(LATERAL, "lɫɬɮɭʎʟǁ")
_add(RHOTIC, "ɹɻrʀʁ")
_add(VELAR, "kgɡŋxɣqɢɴχcɟçʝɲɰʄʛɠǂ")
_add(GLOTTAL, "hɦʔħʕʜʢʡ")
_add(LABIAL_GLIDE, "wʍɥ")
_add(PALATAL_GLIDE, "j")

# Characters that stand for a pause or a boundary (Piper's pad/begin/end, word space, punctuation).
PAUSE_CHARS = frozenset(" _^$#,.;:!?¡¿\"'()[]{}-–—…«»")
# Marks that modify a letter without a visible shape of their own (besides every combining character,
# spacing modifier letter such as ː ˈ ʰ ʲ ᵝ, modifier symbol such as ˞, and tone digit).
_EXTRA_MODIFIERS = frozenset("↓↑‿͡|‖")


def is_modifier(ch: str) -> bool:
    if ch in _EXTRA_MODIFIERS or unicodedata.combining(ch):
        return True
    return unicodedata.category(ch) in ("Lm", "Sk", "Nd", "Mn", "Mc")


# Affricate ligatures, read as their two letters.
LIGATURES: dict[str, str] = {
    "ʦ": "ts", "ʣ": "dz", "ʧ": "tʃ", "ʤ": "dʒ", "ʨ": "tɕ", "ʥ": "dʑ", "ʪ": "ls", "ʫ": "lz",
}


def base_letters(symbol: str) -> str:
    """The IPA letters of a symbol, without stress, length, tone and other modifiers."""
    return "".join(
        LIGATURES.get(ch, ch) for ch in unicodedata.normalize("NFD", symbol) if not is_modifier(ch)
    )


def is_pause_symbol(symbol: str) -> bool:
    return symbol == SILENCE or (bool(symbol) and all(ch in PAUSE_CHARS for ch in symbol))


def letter_class(letter: str) -> str | None:
    """The viseme class of one IPA letter, or None if the table does not know it."""
    if letter in VOWELS:
        return VOWEL
    if letter in PAUSE_CHARS:
        return PAUSE
    return CONSONANTS.get(letter)


def unknown_letters(symbol: str) -> str:
    """Letters of a symbol that the table does not cover (empty when it is fully covered)."""
    if is_pause_symbol(symbol):
        return ""
    return "".join(ch for ch in base_letters(symbol) if letter_class(ch) is None)


@dataclass(frozen=True)
class Segment:
    """One IPA letter of the timeline with its share of the phone's time."""

    letter: str            # the IPA letter, or SILENCE for a pause
    cls: str               # viseme class (one of CLASSES)
    start: float
    end: float
    stress: int = 0
    phone: int = -1        # index of the timeline phone it came from

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def mid(self) -> float:
        return 0.5 * (self.start + self.end)

    @property
    def vowel(self) -> VowelShape | None:
        return VOWELS.get(self.letter)


def _split_weights(classes: list[str]) -> list[float]:
    if len(classes) == 2 and classes[0] == classes[1] == VOWEL:
        return [0.55, 0.45]                     # diphthong: the first vowel is the longer
    if len(classes) == 2 and VOWEL not in classes:
        return [0.4, 0.6]                       # affricate: short stop, longer fricative
    return [1.0 / len(classes)] * len(classes)


_warned: set[str] = set()


def segments(timeline: Timeline) -> list[Segment]:
    """The timeline as a flat list of per-letter segments covering [0, duration] in order."""
    out: list[Segment] = []
    for index, phone in enumerate(timeline.phones):
        if is_pause_symbol(phone.symbol):
            letters, classes = [SILENCE], [PAUSE]
        else:
            letters = list(base_letters(phone.symbol))
            classes = []
            for ch in letters:
                cls = letter_class(ch)
                if cls is None:
                    # Not in the IPA chart: give it a neutral, weak shape rather than fail a whole line.
                    if ch not in _warned:
                        _warned.add(ch)
                        _LOG.warning("phoneme letter %r (U+%04X) is not in the viseme table", ch, ord(ch))
                    cls = GLOTTAL
                classes.append(cls)
        if not letters:
            # A phone made only of modifiers (a length mark aligned on its own): extend the previous one.
            if out:
                prev = out[-1]
                out[-1] = Segment(prev.letter, prev.cls, prev.start, phone.end, prev.stress, prev.phone)
            else:
                out.append(Segment(SILENCE, PAUSE, phone.start, phone.end, 0, index))
            continue
        t = phone.start
        for ch, cls, w in zip(letters, classes, _split_weights(classes)):
            end = t + w * (phone.end - phone.start)
            stress = phone.stress if cls == VOWEL else 0
            out.append(Segment(ch if cls != PAUSE else SILENCE, cls, t, end, stress, index))
            t = end
    return out


# What the evaluator counts. One place, so the model and its score agree on the phonetics.
def is_bilabial(seg: Segment) -> bool:
    return seg.cls == BILABIAL


def is_labiodental(seg: Segment) -> bool:
    return seg.cls == LABIODENTAL


def is_rounded(seg: Segment) -> bool:
    """Rounded vowels (u ʊ o ɔ y ø ...) and the labial glides (w ʍ ɥ)."""
    if seg.cls == LABIAL_GLIDE:
        return True
    v = seg.vowel
    return v is not None and v.rounded >= 0.5


def is_open(seg: Segment) -> bool:
    """Open and near-open vowels (a ɑ æ ɐ ɒ ɶ)."""
    v = seg.vowel
    return v is not None and v.openness >= 0.75


def is_pause(seg: Segment) -> bool:
    return seg.cls == PAUSE


def openness(seg: Segment) -> float:
    """How open the mouth is for a segment on phonetic grounds alone (for the sync-lag reference)."""
    v = seg.vowel
    if v is not None:
        return 0.3 + 0.7 * v.openness
    if seg.cls == PAUSE:
        return 0.0
    if seg.cls in (BILABIAL, LABIODENTAL, SIBILANT, POSTALVEOLAR, BILABIAL_FRICATIVE):
        return 0.05
    return 0.15
