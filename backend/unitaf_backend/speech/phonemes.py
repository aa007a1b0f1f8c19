"""The phone symbol inventory shared by both TTS engines, and how IPA strings are cut into phones.

Both engines phonemise through eSpeak NG, whose IPA comes out as characters (Piper's input) or as one
string per phoneme (eSpeak's phoneme events). Both are cut here with the same rule, so the two engines
emit symbols from ONE closed inventory, ``PHONE_SYMBOLS``:

- a phone is one IPA letter, optionally followed by the length mark ``ː`` (``iː``, ``ɑː``);
- the diphthongs and affricates eSpeak NG writes as one phoneme are one phone: ``DIGRAPHS``;
- stress marks ``ˈ``/``ˌ`` become ``Phone.stress`` (1 primary, 2 secondary) of the next phone;
- other modifiers (``ʲ ʰ ʷ ˤ ˞``, combining diacritics such as nasalisation or syllabicity, tone
  digits) belong to the phone they follow (its time) but are not part of its symbol;
- spaces separate words; punctuation marks a pause (``SILENCE``).

``articulatory_features(symbol)`` describes each symbol (vowel height/backness/rounding, consonant
place/manner/voicing); the eSpeak engine's ``tts_features`` are built from it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np

from .timeline import SILENCE

PRIMARY, SECONDARY = "ˈ", "ˌ"
WORD_BREAK = " "
LENGTH = "ː"
PAUSE_MARKS = frozenset(".,;:!?¡¿-—–…\"'()[]«»“”‘’")

# --- vowels: height (1 close .. 0 open), backness (0 front .. 1 back), rounded -------------------------
_VOWELS: dict[str, tuple[float, float, int]] = {
    "i": (1.0, 0.0, 0), "y": (1.0, 0.0, 1), "ɨ": (1.0, 0.5, 0), "ʉ": (1.0, 0.5, 1), "ɯ": (1.0, 1.0, 0),
    "u": (1.0, 1.0, 1), "ɪ": (0.85, 0.1, 0), "ʏ": (0.85, 0.1, 1), "ʊ": (0.85, 0.9, 1), "ᵻ": (0.85, 0.5, 0),
    "e": (0.65, 0.0, 0), "ø": (0.65, 0.0, 1), "ɘ": (0.65, 0.5, 0), "ɵ": (0.65, 0.5, 1), "ɤ": (0.65, 1.0, 0),
    "o": (0.65, 1.0, 1), "ə": (0.5, 0.5, 0), "ɚ": (0.5, 0.5, 0), "ɝ": (0.45, 0.5, 0), "ɛ": (0.35, 0.0, 0),
    "œ": (0.35, 0.0, 1), "ɜ": (0.35, 0.5, 0), "ɞ": (0.35, 0.5, 1), "ʌ": (0.35, 1.0, 0), "ɔ": (0.35, 1.0, 1),
    "æ": (0.2, 0.0, 0), "ɐ": (0.2, 0.5, 0), "a": (0.0, 0.0, 0), "ɶ": (0.0, 0.0, 1), "ɑ": (0.0, 1.0, 0),
    "ɒ": (0.0, 1.0, 1), "ε": (0.35, 0.0, 0),
}
# Diphthongs are described by their start, rounded if they end rounded (the lips move towards it).
_DIPHTHONGS: dict[str, tuple[float, float, int]] = {
    "aɪ": (0.0, 0.0, 0), "aʊ": (0.0, 0.0, 1), "eɪ": (0.65, 0.0, 0), "oʊ": (0.65, 1.0, 1), "ɔɪ": (0.35, 1.0, 1),
    "əʊ": (0.5, 0.5, 1), "ɪə": (0.85, 0.1, 0), "eə": (0.65, 0.0, 0), "ʊə": (0.85, 0.9, 1),
}

PLACES = ("bilabial", "labiodental", "dental", "alveolar", "postalveolar", "retroflex", "palatal", "velar",
          "uvular", "pharyngeal", "glottal")
MANNERS = ("stop", "nasal", "fricative", "affricate", "approximant", "lateral", "trill", "tap")

# consonant -> (place, manner, voiced, rounded)
_CONSONANTS: dict[str, tuple[str, str, int, int]] = {}


def _add(symbols: str, place: str, manner: str, voiced: int, rounded: int = 0) -> None:
    for s in symbols.split():
        _CONSONANTS[s] = (place, manner, voiced, rounded)


_add("p", "bilabial", "stop", 0)
_add("b ɓ", "bilabial", "stop", 1)
_add("m", "bilabial", "nasal", 1)
_add("ʙ", "bilabial", "trill", 1)
_add("ɸ", "bilabial", "fricative", 0)
_add("β", "bilabial", "fricative", 1)
_add("ʘ", "bilabial", "stop", 0)
_add("w", "bilabial", "approximant", 1, 1)
_add("ʍ", "bilabial", "fricative", 0, 1)
_add("f", "labiodental", "fricative", 0)
_add("v", "labiodental", "fricative", 1)
_add("ɱ", "labiodental", "nasal", 1)
_add("ʋ ⱱ", "labiodental", "approximant", 1)
_add("θ", "dental", "fricative", 0)
_add("ð", "dental", "fricative", 1)
_add("ǀ", "dental", "stop", 0)
_add("t", "alveolar", "stop", 0)
_add("d ɗ", "alveolar", "stop", 1)
_add("n", "alveolar", "nasal", 1)
_add("r", "alveolar", "trill", 1)
_add("ɾ ɺ", "alveolar", "tap", 1)
_add("s", "alveolar", "fricative", 0)
_add("z", "alveolar", "fricative", 1)
_add("ɹ", "alveolar", "approximant", 1)
_add("l ɫ", "alveolar", "lateral", 1)
_add("ɬ", "alveolar", "fricative", 0)
_add("ɮ", "alveolar", "fricative", 1)
_add("ʦ", "alveolar", "affricate", 0)
_add("ǃ ǁ", "alveolar", "stop", 0)
_add("ʃ", "postalveolar", "fricative", 0, 1)
_add("ʒ", "postalveolar", "fricative", 1, 1)
_add("tʃ ʧ", "postalveolar", "affricate", 0, 1)
_add("dʒ ʤ", "postalveolar", "affricate", 1, 1)
_add("ǂ", "postalveolar", "stop", 0)
_add("ʈ", "retroflex", "stop", 0)
_add("ɖ", "retroflex", "stop", 1)
_add("ɳ", "retroflex", "nasal", 1)
_add("ɽ", "retroflex", "tap", 1)
_add("ʂ", "retroflex", "fricative", 0)
_add("ʐ", "retroflex", "fricative", 1)
_add("ɻ", "retroflex", "approximant", 1)
_add("ɭ", "retroflex", "lateral", 1)
_add("c", "palatal", "stop", 0)
_add("ɟ ʄ", "palatal", "stop", 1)
_add("ɲ", "palatal", "nasal", 1)
_add("ç ɕ", "palatal", "fricative", 0)
_add("ʝ ʑ", "palatal", "fricative", 1)
_add("j", "palatal", "approximant", 1)
_add("ɥ", "palatal", "approximant", 1, 1)
_add("ʎ", "palatal", "lateral", 1)
_add("k", "velar", "stop", 0)
_add("g ɡ ɠ", "velar", "stop", 1)
_add("ŋ", "velar", "nasal", 1)
_add("x ɧ", "velar", "fricative", 0)
_add("ɣ", "velar", "fricative", 1)
_add("ɰ", "velar", "approximant", 1)
_add("ʟ", "velar", "lateral", 1)
_add("q", "uvular", "stop", 0)
_add("ɢ ʛ", "uvular", "stop", 1)
_add("ɴ", "uvular", "nasal", 1)
_add("χ", "uvular", "fricative", 0)
_add("ʁ", "uvular", "fricative", 1)
_add("ʀ", "uvular", "trill", 1)
_add("ħ ʜ", "pharyngeal", "fricative", 0)
_add("ʕ ʢ ʡ", "pharyngeal", "fricative", 1)
_add("h", "glottal", "fricative", 0)
_add("ɦ", "glottal", "fricative", 1)
_add("ʔ", "glottal", "stop", 0)

# Letters eSpeak NG writes as one phoneme although they are two characters.
DIGRAPHS: tuple[str, ...] = ("tʃ", "dʒ") + tuple(_DIPHTHONGS)
_SINGLE_LETTERS = frozenset(s for s in list(_VOWELS) + list(_CONSONANTS) if len(s) == 1)
_DIGRAPH_SET = frozenset(DIGRAPHS)
_LENGTHENABLE = frozenset(_VOWELS) | frozenset(_DIPHTHONGS) | frozenset(_CONSONANTS)


def _inventory() -> frozenset[str]:
    base = set(_SINGLE_LETTERS) | set(DIGRAPHS)
    return frozenset(base | {b + LENGTH for b in base} | {SILENCE})


PHONE_SYMBOLS: frozenset[str] = _inventory()
"""Every symbol either engine can put in a Timeline (the pause symbol ``SILENCE`` included)."""


def phone_symbols(engine: str = "piper") -> frozenset[str]:
    """The symbols an engine ("piper" or "espeak") can emit: both cut eSpeak NG's IPA with the same rule,
    so the inventory is the same ``PHONE_SYMBOLS`` for both."""
    if engine not in ("piper", "espeak"):
        raise ValueError(f"unknown engine {engine!r}")
    return PHONE_SYMBOLS


def is_vowel(symbol: str) -> bool:
    return symbol.rstrip(LENGTH) in _VOWELS or symbol.rstrip(LENGTH) in _DIPHTHONGS


@dataclass(frozen=True)
class PhoneToken:
    """One phone cut out of an IPA string: its symbol, stress, and which characters it owns."""
    symbol: str
    stress: int
    first_char: int   # index of the first character it owns (its stress mark, if any)
    end_char: int     # one past its last character (modifiers included)


def _is_modifier(ch: str) -> bool:
    if ch == LENGTH or unicodedata.combining(ch):
        return True
    return unicodedata.category(ch) in ("Lm", "Sk", "Nd") and ch not in (PRIMARY, SECONDARY)


def segment(ipa: str) -> list[PhoneToken]:
    """Cut an IPA string into phones. Returns PhoneTokens in order: phones, ``WORD_BREAK`` tokens for
    spaces and ``SILENCE`` tokens for punctuation (a pause). Characters of no phone (unknown letters, stray marks) are attached
    to the phone before them, so every character's time has an owner."""
    out: list[PhoneToken] = []
    stress, stress_at = 0, -1
    i, n = 0, len(ipa)
    while i < n:
        ch = ipa[i]
        if ch in (PRIMARY, SECONDARY):
            stress = 1 if ch == PRIMARY else 2
            stress_at = i
            i += 1
            continue
        if ch.isspace() or ch in PAUSE_MARKS:
            out.append(PhoneToken(WORD_BREAK if ch.isspace() else SILENCE, 0, i, i + 1))
            i += 1
            continue
        two = ipa[i:i + 2]
        if two in _DIGRAPH_SET:
            symbol, j = two, i + 2
        elif ch in _SINGLE_LETTERS:
            symbol, j = ch, i + 1
        else:
            symbol, j = "", i + 1    # not a phone letter: owned by the previous phone
        long = False
        while j < n and _is_modifier(ipa[j]):
            long = long or ipa[j] == LENGTH
            j += 1
        if not symbol:
            if out and out[-1].symbol not in (WORD_BREAK, SILENCE):
                prev = out[-1]
                out[-1] = PhoneToken(prev.symbol, prev.stress, prev.first_char, j)
            i = j
            continue
        if long and symbol in _LENGTHENABLE:
            symbol += LENGTH
        # the stress mark's characters belong to the next phone; its value to the next vowel
        first = stress_at if stress_at >= 0 else i
        stress_at = -1
        vowel = is_vowel(symbol)
        out.append(PhoneToken(symbol, stress if vowel else 0, first, j))
        if vowel:
            stress = 0
        i = j
    return out


def phone_symbols_of(ipa: str) -> list[str]:
    """Just the phone symbols of an IPA string (no breaks, no pauses)."""
    return [t.symbol for t in segment(ipa) if t.symbol not in (WORD_BREAK, SILENCE)]


# --- articulatory description ------------------------------------------------------------------------
ARTICULATORY_NAMES: tuple[str, ...] = (
    ("silence", "vowel", "height", "backness", "rounded", "consonant")
    + tuple(f"place_{p}" for p in PLACES) + tuple(f"manner_{m}" for m in MANNERS) + ("voiced", "long")
)


@cache
def _articulatory(symbol: str) -> tuple[float, ...]:
    v = dict.fromkeys(ARTICULATORY_NAMES, 0.0)
    base = symbol[:-1] if symbol.endswith(LENGTH) and symbol != LENGTH else symbol
    v["long"] = float(base != symbol)
    if symbol == SILENCE:
        v["silence"] = 1.0
    elif base in _VOWELS or base in _DIPHTHONGS:
        h, b, r = _VOWELS.get(base) or _DIPHTHONGS[base]
        v.update(vowel=1.0, height=h, backness=b, rounded=float(r), voiced=1.0)
    elif base in _CONSONANTS:
        place, manner, voiced, rounded = _CONSONANTS[base]
        v.update(consonant=1.0, voiced=float(voiced), rounded=float(rounded))
        v[f"place_{place}"] = 1.0
        v[f"manner_{manner}"] = 1.0
    else:
        raise ValueError(f"{symbol!r} is not a phone symbol")
    return tuple(v[k] for k in ARTICULATORY_NAMES)


def articulatory_features(symbol: str) -> np.ndarray:
    """float32 [len(ARTICULATORY_NAMES)] describing a symbol of PHONE_SYMBOLS."""
    return np.asarray(_articulatory(symbol), dtype=np.float32)
