"""A small ctypes binding to the eSpeak NG library shipped in the ``espeakng-loader`` wheel.

Only what the speech front end needs: list voices, set a voice and its rate/pitch/range/volume, and
synthesise one piece of text into 16-bit samples together with the library's own word and phoneme
events (each carries the exact sample where it starts). The library keeps global state, so every call
goes through one lock.
"""

from __future__ import annotations

import ctypes
import os
import threading
from dataclasses import dataclass

import numpy as np

from ..errors import NotInstalled

# espeak_AUDIO_OUTPUT, initialise options, event types and parameters (speak_lib.h)
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INIT_PHONEME_EVENTS = 0x0001
_INIT_PHONEME_IPA = 0x0002
_INIT_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
EVENT_WORD, EVENT_SENTENCE, EVENT_END, EVENT_PHONEME = 1, 2, 5, 7
PARAM_RATE, PARAM_VOLUME, PARAM_PITCH, PARAM_RANGE = 1, 2, 3, 4


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),   # 1-based character position in the text
        ("length", ctypes.c_int),          # characters in the word (word events)
        ("audio_position", ctypes.c_int),  # milliseconds
        ("sample", ctypes.c_int),          # sample index where the event happens
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),         # the phoneme in IPA (phoneme events)
    ]


class _VoiceStruct(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),   # (priority byte, NUL-terminated language)* then a 0 byte
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@dataclass(frozen=True)
class EspeakEvent:
    kind: int            # EVENT_WORD, EVENT_PHONEME, EVENT_SENTENCE, EVENT_END
    sample: int          # where it starts in the returned audio
    text_position: int   # 0-based character offset in the text
    length: int          # characters (word events)
    phoneme: str = ""    # IPA (phoneme events); "" is a pause


@dataclass(frozen=True)
class EspeakVoice:
    identifier: str      # what espeak_SetVoiceByName accepts, e.g. "gmw/en-US"; "+f3" adds a variant
    language: str        # e.g. "en-us", "fr-fr"
    description: str     # e.g. "English (America)"


class _Library:
    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as err:   # the wheel is a dependency; say what to install if it is missing
            raise NotInstalled("eSpeak NG is not installed (pip install espeakng-loader)") from err
        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.data_dir = os.path.dirname(espeakng_loader.get_data_path())
        self.variants = sorted(os.listdir(os.path.join(espeakng_loader.get_data_path(), "voices", "!v")))
        lib = self.lib
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_Callback]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                     ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_VoiceStruct))
        lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
        options = _INIT_PHONEME_EVENTS | _INIT_PHONEME_IPA | _INIT_DONT_EXIT
        self.sample_rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, self.data_dir.encode(), options)
        if self.sample_rate <= 0:
            raise NotInstalled(f"eSpeak NG failed to start (data in {self.data_dir})")
        self._chunks: list[np.ndarray] = []
        self._events: list[EspeakEvent] = []
        self._offsets: list[int] = []       # byte offset -> character offset for the current text
        self._callback = _Callback(self._on_audio)   # keep a reference: the library holds the pointer
        lib.espeak_SetSynthCallback(self._callback)

    def _on_audio(self, wav, n, events) -> int:  # type: ignore[no-untyped-def]
        if n > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        i = 0
        while events[i].type != 0:
            ev = events[i]
            if ev.type in (EVENT_WORD, EVENT_PHONEME, EVENT_SENTENCE, EVENT_END):
                phoneme = bytes(ev.id).split(b"\0")[0].decode("utf-8", "replace") if ev.type == EVENT_PHONEME else ""
                self._events.append(EspeakEvent(ev.type, int(ev.sample), max(ev.text_position - 1, 0),
                                                int(ev.length), phoneme))
            i += 1
        return 0

    def voices(self) -> list[EspeakVoice]:
        out: list[EspeakVoice] = []
        table = self.lib.espeak_ListVoices(None)
        i = 0
        while table[i]:
            v = table[i].contents
            raw = ctypes.string_at(v.languages, 64)
            language = raw[1:].split(b"\0")[0].decode("utf-8", "replace")   # skip the priority byte
            name = (v.name or b"").decode("utf-8", "replace").strip()
            identifier = (v.identifier or b"").decode("utf-8", "replace")
            if language and identifier:
                out.append(EspeakVoice(identifier=identifier, language=language, description=name))
            i += 1
        return out

    def synthesize(self, text: str, voice: str, rate_wpm: int, pitch: int, pitch_range: int, volume: int,
                   seed: int = 0) -> tuple[np.ndarray, list[EspeakEvent]]:
        """Speak text; return float32 samples at self.sample_rate and the events in order."""
        lib = self.lib
        if lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise NotInstalled(f"eSpeak NG has no voice {voice!r}")
        lib.espeak_SetParameter(PARAM_RATE, int(rate_wpm), 0)
        lib.espeak_SetParameter(PARAM_PITCH, int(pitch), 0)
        lib.espeak_SetParameter(PARAM_RANGE, int(pitch_range), 0)
        lib.espeak_SetParameter(PARAM_VOLUME, int(volume), 0)
        lib.espeak_ng_SetRandSeed(int(seed))
        self._chunks, self._events = [], []
        data = text.encode("utf-8")
        lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        audio = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
        return (audio.astype(np.float32) / 32768.0), list(self._events)


_library: _Library | None = None
_lock = threading.Lock()


def library() -> _Library:
    global _library
    with _lock:
        if _library is None:
            _library = _Library()
        return _library


def synthesize(text: str, voice: str, rate_wpm: int = 175, pitch: int = 50, pitch_range: int = 50,
               volume: int = 100, seed: int = 0) -> tuple[np.ndarray, list[EspeakEvent], int]:
    """Thread-safe: (float32 audio, events, sample rate)."""
    lib = library()
    with _lock:
        audio, events = lib.synthesize(text, voice, rate_wpm, pitch, pitch_range, volume, seed)
    return audio, events, lib.sample_rate


def voices() -> list[EspeakVoice]:
    lib = library()
    with _lock:
        return lib.voices()


def variants() -> list[str]:
    return list(library().variants)
