"""From what a person typed to sentences the TTS can speak.

1. Clean: control characters, emoji and other pictographs are dropped (one warning says how many);
   quotes, dashes and ellipses are unified; whitespace is collapsed.
2. Emotion markup: ``[happy:0.8] First sentence. [sad] Second one.`` A tag holds what
   ``emotion.parse_emotion`` accepts (``name``, ``name:intensity``, mixes with ``+``) and applies from
   there on, until the next tag; a tag also starts a new sentence. Text before any tag gets the line's
   emotion (the ``emotion`` argument of ``synthesize``).
3. Normalise (English voices): numbers, ordinals, decimals, money, percentages, times, years, common
   abbreviations and symbols become words. Other languages leave numbers to eSpeak NG, which reads
   them in its own language.
4. Split into sentences at . ! ? … and line breaks, and cut sentences longer than
   ``MAX_SENTENCE_CHARS`` at commas/semicolons or, failing that, between words. Each sentence knows the
   pause that follows it.

Limits: at most ``MAX_CHARS`` characters of input (after markup is removed); text that is empty, only
whitespace, or has nothing speakable (no letter or digit) is refused with ``BadInput``.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass

import numpy as np

from ..emotion import parse_emotion
from ..errors import BadInput

MAX_CHARS = 5000
MAX_SENTENCE_CHARS = 300

# Pause after a sentence (seconds, at neutral speaking rate), by how it ends.
PAUSES_S = {".": 0.25, "!": 0.25, "?": 0.3, "…": 0.45, ";": 0.15, ",": 0.1, "\n": 0.5, "": 0.15}

@dataclass(frozen=True)
class SentenceText:
    text: str                 # normalised, what the TTS is given
    emotion: np.ndarray       # float32 [8]
    pause_after: float        # seconds of silence after it (neutral rate); the caller drops the last


# --- 1. cleaning ---------------------------------------------------------------------------------------
_REPLACEMENTS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2013": ", ", "\u2014": ", ", "\u2015": ", ", "\u2026": "…", "\u00a0": " ",
}


def _is_dropped(ch: str) -> bool:
    if ch in "\n\t\r":
        return False
    cat = unicodedata.category(ch)
    if cat in ("Cc", "Cf", "Co", "Cs", "Cn", "So", "Sk"):
        return True
    return 0xFE00 <= ord(ch) <= 0xFE0F or 0x1F000 <= ord(ch) <= 0x1FAFF


def clean(text: str) -> str:
    """Drop control characters and emoji (warning once), unify punctuation, collapse spaces."""
    text = unicodedata.normalize("NFC", text)
    dropped = [ch for ch in text if _is_dropped(ch)]
    if dropped:
        shown = "".join(dict.fromkeys(ch for ch in dropped if ch.isprintable()))[:10]
        message = f"dropped {len(dropped)} control/emoji character(s) from the text" + (
            f": {shown}" if shown else "")
        warnings.warn(message, stacklevel=3)
        text = "".join(ch for ch in text if not _is_dropped(ch))
    for old, new in _REPLACEMENTS.items():
        text = text.replace(old, new)
    text = re.sub(r"\.{3,}", "…", text)
    text = re.sub(r"\r\n?", "\n", text)
    text = re.sub(r"\n\s*\n+", "\n\n", text)
    text = re.sub(r"[ \t]+", " ", text)
    return text.strip()


# --- 2. emotion markup -----------------------------------------------------------------------------------
_TAG = re.compile(r"\[\s*([A-Za-z][A-Za-z0-9_.:+\s]*)\]")


def split_markup(text: str, default: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """[(text piece, emotion)] in order, the pieces between emotion tags."""
    pieces: list[tuple[str, np.ndarray]] = []
    current, pos = np.asarray(default, dtype=np.float32), 0
    for match in _TAG.finditer(text):
        pieces.append((text[pos:match.start()], current))
        try:
            current = parse_emotion(match.group(1))
        except BadInput as err:
            raise BadInput(f"in emotion tag [{match.group(1)}]: {err}") from None
        pos = match.end()
    pieces.append((text[pos:], current))
    return [(t, e) for t, e in pieces if t.strip()]


# --- 3. English normalisation ------------------------------------------------------------------------------
_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = ((10 ** 12, "trillion"), (10 ** 9, "billion"), (10 ** 6, "million"), (1000, "thousand"))
_ORDINAL_WORDS = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                  "nine": "ninth", "twelve": "twelfth"}


def number_words(n: int) -> str:
    """English words for an integer (|n| < 10**15)."""
    if n < 0:
        return "minus " + number_words(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " and " + number_words(rest))
    for value, name in _SCALES:
        if n >= value:
            head, rest = divmod(n, value)
            tail = "" if rest == 0 else (" and " if rest < 100 else " ") + number_words(rest)
            return number_words(head) + " " + name + tail
    raise ValueError(n)


def ordinal_words(n: int) -> str:
    words = number_words(n).split(" ")
    last = words[-1]
    if last in _ORDINAL_WORDS:
        words[-1] = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def year_words(n: int) -> str:
    """1984 -> nineteen eighty four, 2005 -> two thousand and five, 1900 -> nineteen hundred."""
    if 2000 <= n <= 2009:
        return number_words(n)
    head, tail = divmod(n, 100)
    if tail == 0:
        return number_words(head) + " hundred"
    return number_words(head) + " " + ("oh " + _ONES[tail] if tail < 10 else number_words(tail))


def digits_words(digits: str) -> str:
    return " ".join(_ONES[int(d)] for d in digits)


_ABBREVIATIONS = {
    "mr.": "mister", "mrs.": "missus", "ms.": "miz", "dr.": "doctor", "prof.": "professor", "st.": "saint",
    "jr.": "junior", "sr.": "senior", "vs.": "versus", "etc.": "et cetera", "e.g.": "for example",
    "i.e.": "that is", "approx.": "approximately", "mt.": "mount", "ft.": "feet",
    "km": "kilometres", "kg": "kilograms", "cm": "centimetres", "mm": "millimetres", "am": "AM", "pm": "PM",
}
_SYMBOLS = {"&": " and ", "%": " percent", "+": " plus ", "=": " equals ", "@": " at ", "#": " number ",
            "/": " slash ", "*": " ", "_": " ", "~": " about ", "|": ", ", "<": " less than ",
            ">": " greater than ", "^": " "}
_CURRENCY = {"$": ("dollar", "dollars", "cent", "cents"), "£": ("pound", "pounds", "penny", "pence"),
             "€": ("euro", "euros", "cent", "cents")}


def _money(match: re.Match[str]) -> str:
    one, many, sub_one, sub_many = _CURRENCY[match.group(1)]
    whole = int(match.group(2).replace(",", ""))
    cents = int((match.group(3) or "0").ljust(2, "0")[:2])
    parts = [number_words(whole) + " " + (one if whole == 1 else many)] if whole or not cents else []
    if cents:
        parts.append(number_words(cents) + " " + (sub_one if cents == 1 else sub_many))
    return " and ".join(parts)


def _decimal(match: re.Match[str]) -> str:
    return number_words(int(match.group(1).replace(",", ""))) + " point " + digits_words(match.group(2))


def _time(match: re.Match[str]) -> str:
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes == 0:
        return number_words(hours) + " o'clock"
    return number_words(hours) + " " + ("oh " + _ONES[minutes] if minutes < 10 else number_words(minutes))


def _integer(match: re.Match[str]) -> str:
    raw = match.group(0)
    digits = raw.replace(",", "")
    if len(digits) > 15:
        return digits_words(digits)
    n = int(digits)
    if "," not in raw and len(digits) == 4 and 1100 <= n <= 2099:
        return year_words(n)
    if len(digits) > 1 and digits.startswith("0"):
        return digits_words(digits)
    return number_words(n)


def normalise_english(text: str) -> str:
    """Numbers, money, times, ordinals, abbreviations and symbols to English words."""
    def abbreviation(match: re.Match[str]) -> str:
        word = match.group(0)
        expansion = _ABBREVIATIONS[word.lower()]
        return expansion.capitalize() if word[0].isupper() else expansion

    keys = sorted((re.escape(k) for k in _ABBREVIATIONS if k.endswith(".")), key=len, reverse=True)
    text = re.sub(r"(?<![\w.])(" + "|".join(keys) + r")", abbreviation, text, flags=re.IGNORECASE)
    text = re.sub(r"\b(No|no|NO)\.\s?(?=\d)", lambda m: "Number " if m.group(1)[0] == "N" else "number ", text)
    text = re.sub(r"([$£€])\s?(\d[\d,]*)(?:\.(\d+))?", _money, text)
    text = re.sub(r"(\d)\s?(am|pm)\b", lambda m: m.group(1) + " " + _ABBREVIATIONS[m.group(2).lower()], text,
                  flags=re.IGNORECASE)
    text = re.sub(r"\b(\d{1,2}):(\d{2})(?!\d)", _time, text)
    text = re.sub(r"\b(\d+)(st|nd|rd|th)\b", lambda m: ordinal_words(int(m.group(1))), text,
                  flags=re.IGNORECASE)
    text = re.sub(r"(\d+)\s?(km|kg|cm|mm)\b", lambda m: m.group(1) + " " + _ABBREVIATIONS[m.group(2)], text)
    text = re.sub(r"(?<![\d.])-(?=\d)", " minus ", text)
    text = re.sub(r"\b(\d[\d,]*)\.(\d+)\b", _decimal, text)
    text = re.sub(r"\b\d{1,3}(?:,\d{3})+\b|\b\d+\b", _integer, text)
    for symbol, words in _SYMBOLS.items():
        text = text.replace(symbol, words)
    return re.sub(r"[ \t]+", " ", text).strip()


def normalise_punctuation(text: str) -> str:
    """Keep only punctuation the TTS reads as prosody; collapse repeats like ?!? into one mark."""
    text = re.sub(r"[\[\]{}<>\\`]", " ", text)
    text = re.sub(r"([!?])[!?]+", lambda m: "?" if "?" in m.group(0) else "!", text)
    text = re.sub(r"([,;:])[,;:.]+", r"\1", text)
    text = re.sub(r"\s+([,.;:!?…])", r"\1", text)
    return re.sub(r"[ \t]+", " ", text).strip()


# --- 4. sentences ----------------------------------------------------------------------------------------
_SENTENCE_END = re.compile(r"([.!?…]+)[\"')\]]*(?=\s|$)|\n+")


def _cut_long(sentence: str, limit: int) -> list[tuple[str, str]]:
    """Cut a sentence over limit characters at , ; : or, failing that, between words."""
    parts: list[tuple[str, str]] = []
    rest = sentence
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind(","), window.rfind(";"), window.rfind(":"))
        if cut < limit // 3:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = limit
        piece, mark = rest[:cut + 1].strip(), rest[cut] if rest[cut] in ",;:" else ""
        parts.append((piece, mark or ","))
        rest = rest[cut + 1:].strip()
    if rest:
        parts.append((rest, ""))
    return parts


def split_sentences(text: str) -> list[tuple[str, str]]:
    """[(sentence, how it ends)]; the ending is . ! ? … a newline, or "" at the end of text."""
    out: list[tuple[str, str]] = []
    pos = 0
    for match in _SENTENCE_END.finditer(text):
        chunk = text[pos:match.end()].strip()
        ending = "\n" if match.group(0).startswith("\n") else match.group(1)[-1]
        pos = match.end()
        if chunk:
            out.append((chunk, ending))
    tail = text[pos:].strip()
    if tail:
        out.append((tail, ""))
    result: list[tuple[str, str]] = []
    for sentence, ending in out:
        pieces = _cut_long(sentence, MAX_SENTENCE_CHARS)
        for i, (piece, mark) in enumerate(pieces):
            result.append((piece, ending if i == len(pieces) - 1 else mark))
    return result


def _speakable(text: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def prepare(text: str, emotion: np.ndarray, english: bool) -> list[SentenceText]:
    """Everything above, in order. Raises BadInput for text that cannot be spoken."""
    if not isinstance(text, str):
        raise BadInput(f"text must be a string, got {type(text).__name__}")
    if not text.strip():
        raise BadInput("the text is empty")
    cleaned = clean(text)
    pieces = split_markup(cleaned, emotion)
    length = sum(len(t) for t, _ in pieces)
    if length > MAX_CHARS:
        raise BadInput(f"the text is {length} characters long; the limit is {MAX_CHARS} "
                       "(split it into several lines)")
    sentences: list[SentenceText] = []
    for piece, piece_emotion in pieces:
        piece = normalise_english(piece) if english else piece
        piece = normalise_punctuation(piece)
        for sentence, ending in split_sentences(piece):
            if _speakable(sentence):
                sentences.append(SentenceText(sentence, piece_emotion, PAUSES_S.get(ending, PAUSES_S[""])))
    if not sentences:
        raise BadInput("the text has nothing speakable in it (no letters or digits)")
    return sentences
