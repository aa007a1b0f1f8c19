"""The speech front end: text + emotion in, speech with its own alignment and internal features out.

``synthesize(text, emotion, voice, seed, cancel, settings) -> Speech`` and ``list_voices()``; see
docs/speech.md.

The names below are loaded on first use, so importing a light module such as ``speech.timeline``
does not start the TTS engines (onnxruntime, eSpeak NG).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "PHONE_SYMBOLS": "phonemes", "phone_symbols": "phonemes",
    "EMOTION_STYLES": "style", "Style": "style", "VoiceSettings": "style",
    "synthesize": "synth",
    "MAX_CHARS": "text", "MAX_SENTENCE_CHARS": "text",
    "DEFAULT_VOICE": "voices", "VoiceInfo": "voices", "list_voices": "voices",
}
__all__ = [
    "DEFAULT_VOICE", "EMOTION_STYLES", "MAX_CHARS", "MAX_SENTENCE_CHARS", "PHONE_SYMBOLS", "Style",
    "VoiceInfo", "VoiceSettings", "list_voices", "phone_symbols", "synthesize",
]
assert sorted(__all__) == sorted(_EXPORTS)

if TYPE_CHECKING:
    from .phonemes import PHONE_SYMBOLS, phone_symbols
    from .style import EMOTION_STYLES, Style, VoiceSettings
    from .synth import synthesize
    from .text import MAX_CHARS, MAX_SENTENCE_CHARS
    from .voices import DEFAULT_VOICE, VoiceInfo, list_voices


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
