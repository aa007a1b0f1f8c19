"""The phoneme/word/sentence timeline: the TTS's own alignment, in seconds from the first audio sample.

Phone symbols are IPA as eSpeak NG writes them (both engines phonemise through eSpeak NG), with stress
marks moved into ``Phone.stress``. Pauses are phones whose symbol is ``SILENCE``. Phones are contiguous,
monotonic and non-overlapping and cover [0, duration] exactly.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

SILENCE = "_"


@dataclass(frozen=True)
class Phone:
    symbol: str          # IPA without stress marks, or SILENCE
    start: float         # seconds
    end: float           # seconds
    stress: int = 0      # 0 none, 1 primary, 2 secondary (vowels)
    word: int = -1       # index into Timeline.words, -1 for pauses/punctuation


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    first_phone: int     # index of its first phone in Timeline.phones
    last_phone: int      # index one past its last phone


@dataclass(frozen=True)
class Sentence:
    text: str
    start: float
    end: float
    emotion: tuple[float, ...] = (0.0,) * 8   # the 8-d emotion vector this sentence was spoken with


@dataclass(frozen=True)
class Timeline:
    phones: tuple[Phone, ...]
    words: tuple[Word, ...]
    sentences: tuple[Sentence, ...]
    duration: float      # seconds; equals the audio's length
    engine: str = ""     # which TTS produced it ("piper", "espeak", "aligned" for a recording)
    meta: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Timeline:
        return cls(
            phones=tuple(Phone(**p) for p in d["phones"]),
            words=tuple(Word(**w) for w in d["words"]),
            sentences=tuple(
                Sentence(**{**s, "emotion": tuple(s.get("emotion", (0.0,) * 8))}) for s in d["sentences"]
            ),
            duration=float(d["duration"]),
            engine=d.get("engine", ""),
            meta=dict(d.get("meta", {})),
        )

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Timeline:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
