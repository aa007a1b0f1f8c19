"""The speech front end: text + emotion in, speech with its own alignment and internal features out.

``synthesize(text, emotion, voice, seed, cancel, settings) -> Speech`` and ``list_voices()``; see
docs/speech.md.
"""

from .phonemes import PHONE_SYMBOLS, phone_symbols
from .style import EMOTION_STYLES, Style, VoiceSettings
from .synth import synthesize
from .text import MAX_CHARS, MAX_SENTENCE_CHARS
from .voices import DEFAULT_VOICE, VoiceInfo, list_voices

__all__ = [
    "DEFAULT_VOICE", "EMOTION_STYLES", "MAX_CHARS", "MAX_SENTENCE_CHARS", "PHONE_SYMBOLS", "Style",
    "VoiceInfo", "VoiceSettings", "list_voices", "phone_symbols", "synthesize",
]
