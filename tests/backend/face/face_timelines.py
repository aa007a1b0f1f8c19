"""Hand-made timelines for the face tests (no TTS needed)."""

from __future__ import annotations

from unitaf_backend.emotion import emotion_vector
from unitaf_backend.speech.timeline import SILENCE, Phone, Sentence, Timeline


def timeline(spec: str, emotion: str = "neutral", sentence_breaks: tuple[int, ...] = ()) -> Timeline:
    """Build a timeline from ``"_:300 p:30 ˈa:120 ..."``: symbol:milliseconds, ˈ/ˌ in front for stress.

    Sentences split after the phone indices in ``sentence_breaks``; all get ``emotion``
    (NAME or NAME:INTENSITY, or a list of them, one per sentence, separated by '|').
    """
    phones: list[Phone] = []
    t = 0.0
    for item in spec.split():
        sym, _, ms = item.rpartition(":")
        stress = 0
        if sym.startswith("ˈ"):
            sym, stress = sym[1:], 1
        elif sym.startswith("ˌ"):
            sym, stress = sym[1:], 2
        dur = float(ms) / 1000.0
        phones.append(Phone(sym, t, t + dur, stress))
        t += dur
    cuts = [0] + [b + 1 for b in sentence_breaks] + [len(phones)]
    emotions = emotion.split("|")
    sentences = []
    for k in range(len(cuts) - 1):
        name, _, level = emotions[min(k, len(emotions) - 1)].partition(":")
        vec = emotion_vector(name, float(level) if level else 1.0)
        a, b = phones[cuts[k]], phones[cuts[k + 1] - 1]
        sentences.append(Sentence(f"s{k}", a.start, b.end, tuple(float(x) for x in vec)))
    return Timeline(tuple(phones), (), tuple(sentences), t, engine="test")


# A line with every class the evaluator counts: bilabials (one very short), f/v, rounded and open
# vowels, and pauses longer than 300 ms.
LINE = (
    "_:300 m:70 ˈa:140 p:45 ə:50 f:90 ˈu:150 l:60 _:420 b:60 ˈɔ:130 t:40 _:60 v:70 ˈɪ:80 z:70 _:350 "
    "w:60 ˈɑ:160 m:32 ə:60 s:80 ˈoʊ:170 _:400"
)


def line(emotion: str = "neutral") -> Timeline:
    return timeline(LINE, emotion)


def silence(ms: float = 1000.0) -> Timeline:
    return timeline(f"{SILENCE}:{ms}")
