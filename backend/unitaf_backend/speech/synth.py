"""``synthesize``: text + emotion in, ``Speech`` out (audio, exact timeline, TTS features, prosody).

Sentences are spoken one by one (each with its own emotion), then joined with natural pauses. All
bookkeeping is in integer samples and every piece is a whole number of feature frames, so the joined
timeline ends exactly where the audio ends, however many sentences there are.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..emotion import EMOTIONS, parse_emotion
from ..errors import BadInput, Cancelled
from . import engines, prosody
from . import text as text_mod
from .phonemes import ARTICULATORY_NAMES, articulatory_features
from .style import Style, VoiceSettings, style_for
from .timeline import SILENCE, Phone, Sentence, Timeline, Word
from .types import Prosody, Speech
from .voices import find_voice

LIMIT_KNEE = 0.9   # above this the soft limiter bends peaks instead of clipping them

PIPER_FEATURES = ("Piper VITS decoder input: z x mask after the flow, the latent HiFi-GAN turns into "
                  "audio; 192 channels, frame i covers samples [i*256, (i+1)*256)")
ESPEAK_FEATURE_NAMES: tuple[str, ...] = ARTICULATORY_NAMES + ("stress", "phase", "log_f0", "pitched", "log_energy")
ESPEAK_FEATURES = ("built from eSpeak NG's phoneme timeline and the audio's prosody: " +
                   ", ".join(ESPEAK_FEATURE_NAMES))


def _emotion_vector(emotion: np.ndarray | str | None) -> np.ndarray:
    if emotion is None or isinstance(emotion, str):
        return parse_emotion(emotion)
    vec = np.asarray(emotion, dtype=np.float32).reshape(-1)
    if vec.shape != (len(EMOTIONS),) or not np.all(np.isfinite(vec)):
        raise BadInput(f"emotion must be {len(EMOTIONS)} finite values ({', '.join(EMOTIONS)})")
    if vec.min() < 0.0 or vec.max() > 1.0:
        raise BadInput("emotion values must be between 0 and 1")
    return vec


def soft_limit(audio: np.ndarray) -> np.ndarray:
    """Identity below LIMIT_KNEE; above it peaks bend smoothly towards 1 instead of clipping."""
    magnitude = np.abs(audio)
    over = magnitude > LIMIT_KNEE
    if not over.any():
        return audio
    room = 1.0 - LIMIT_KNEE
    bent = LIMIT_KNEE + room * np.tanh((magnitude[over] - LIMIT_KNEE) / room)
    out = audio.copy()
    out[over] = np.sign(audio[over]) * bent
    return out


def _espeak_features(phones: list[Phone], f0: np.ndarray, energy: np.ndarray, fps: float) -> np.ndarray:
    """Frame-level features of the eSpeak path: the phone under each frame centre described by its
    articulation and stress, where in the phone the frame is, and the frame's pitch and energy."""
    frames = len(f0)
    centres = (np.arange(frames) + 0.5) / fps
    starts = np.array([p.start for p in phones])
    ends = np.array([p.end for p in phones])
    index = np.clip(np.searchsorted(starts, centres, side="right") - 1, 0, len(phones) - 1)
    table = np.stack([articulatory_features(p.symbol) for p in phones])
    stress = np.array([{1: 1.0, 2: 0.5}.get(p.stress, 0.0) for p in phones], dtype=np.float32)  # primary 1
    span = np.maximum(ends - starts, 1e-6)
    phase = np.clip((centres - starts[index]) / span[index], 0.0, 1.0)
    pitched = (f0 > 0).astype(np.float32)
    log_f0 = np.where(f0 > 0, np.log2(np.maximum(f0, 1.0) / 100.0), 0.0)     # octaves re 100 Hz
    log_energy = np.log10(np.maximum(energy, 1e-5)) / 5.0 + 1.0             # 1e-5 -> 0, 1 -> 1
    return np.concatenate([table[index], stress[index, None], phase[:, None], log_f0[:, None],
                           pitched[:, None], log_energy[:, None]], axis=1).astype(np.float32)


def synthesize(text: str, emotion: np.ndarray | str = "neutral", voice: str | None = None,
               seed: int | None = 0, cancel: Callable[[], bool] | None = None,
               settings: VoiceSettings | None = None, max_seconds: float | None = None) -> Speech:
    """Speak text. ``emotion`` is the line's emotion (a vector or NAME[:INTENSITY]); inline tags like
    ``[sad:0.5]`` change it per sentence. ``seed`` fixes Piper's noise (None = random).
    ``cancel()`` is asked before each sentence; True raises Cancelled. Speech passing ``max_seconds``
    stops with BadInput (the work is bounded whatever the text)."""
    if seed is not None and not isinstance(seed, (int, np.integer)):
        raise BadInput(f"seed must be a whole number, got {seed!r}")
    line_emotion = _emotion_vector(emotion)
    chosen = find_voice(voice)
    sentences = text_mod.prepare(text, line_emotion, english=chosen.english)
    rng = np.random.default_rng(None if seed is None else int(seed) % 2 ** 64)   # negative seeds too
    espeak_seed = 0 if seed is None else int(seed) % (2 ** 31)

    chunks: list[engines.Chunk] = []
    styles: list[Style] = []
    sample_rate = 22050
    made = 0                                  # samples of speech so far
    for sentence in sentences:
        if cancel is not None and cancel():
            raise Cancelled("speech synthesis cancelled")
        style = style_for(sentence.emotion, settings)
        if chosen.info.engine == "piper":
            from .piper_model import load
            model = load(chosen.model_path, chosen.config_path)
            sample_rate = model.sample_rate
            chunk = engines.piper_sentence(model, sentence.text, style, settings, rng)
        else:
            chunk, sample_rate = engines.espeak_sentence(chosen.espeak_identifier, sentence.text, style,
                                                         espeak_seed)
        chunks.append(chunk)
        styles.append(style)
        made += len(chunk.audio)
        if max_seconds is not None and made > max_seconds * sample_rate:
            raise BadInput(f"the text makes more than {max_seconds:g} s of speech; split it into several lines")

    hop = engines.HOP
    audio_parts: list[np.ndarray] = []
    feature_parts: list[np.ndarray] = []
    phones: list[Phone] = []
    words: list[Word] = []
    first_spoken: list[float] = []   # start of each sentence's first non-pause phone (seconds)
    offset = 0

    def add_phone(symbol: str, stress: int, start: int, end: int, word: int) -> None:
        if symbol == SILENCE and phones and phones[-1].symbol == SILENCE:
            last = phones[-1]
            phones[-1] = Phone(SILENCE, last.start, end / sample_rate, 0, -1)
        else:
            phones.append(Phone(symbol, start / sample_rate, end / sample_rate, stress, word))

    for i, (sentence, chunk, style) in enumerate(zip(sentences, chunks, styles)):
        phones_before = len(phones)
        word_base = len(words)
        word_phones: dict[int, list[int]] = {}
        for p in chunk.phones:
            add_phone(p.symbol, p.stress, offset + p.start, offset + p.end, word_base + p.word if p.word >= 0 else -1)
            if p.word >= 0:
                word_phones.setdefault(p.word, []).append(len(phones) - 1)
        for local, text_of_word in enumerate(chunk.words):
            idx = word_phones.get(local, [])
            if idx:
                words.append(Word(text_of_word, phones[idx[0]].start, phones[idx[-1]].end, idx[0], idx[-1] + 1))
        spoken = next((p.start for p in phones[phones_before:] if p.symbol != SILENCE), offset / sample_rate)
        first_spoken.append(spoken)
        audio_parts.append(chunk.audio)
        if chunk.features is not None:
            feature_parts.append(chunk.features)
        offset += len(chunk.audio)
        if i + 1 < len(chunks):
            pause = round(sentence.pause_after * style.duration * sample_rate / hop) * hop
            if pause:
                audio_parts.append(np.zeros(pause, dtype=np.float32))
                if chunk.features is not None:   # the pause looks like the sentence's final silence
                    feature_parts.append(np.repeat(chunk.features[-1:], pause // hop, axis=0))
                add_phone(SILENCE, 0, offset, offset + pause, -1)
                offset += pause

    audio = soft_limit(np.concatenate(audio_parts).astype(np.float32))
    duration = len(audio) / sample_rate
    # the last phone ends exactly at the audio's end (integer samples all the way; this is exact)
    last = phones[-1]
    phones[-1] = Phone(last.symbol, last.start, duration, last.stress, last.word)
    # a sentence runs from its first spoken phone to the next one's (the pause between belongs to the
    # sentence before it), so sentence boundaries are phone boundaries and sentences tile the line
    bounds = [0.0] + first_spoken[1:] + [duration]
    timeline = Timeline(
        phones=tuple(phones),
        words=tuple(words),
        sentences=tuple(Sentence(s.text, a, b, tuple(float(v) for v in s.emotion))
                        for s, a, b in zip(sentences, bounds[:-1], bounds[1:])),
        duration=duration,
        engine=chosen.info.engine,
        meta={"voice": chosen.info.name, "sample_rate": sample_rate},
    )
    fps = sample_rate / hop
    analysis = prosody.analyse(audio, sample_rate, hop)
    if chosen.info.engine == "piper":
        features = np.concatenate(feature_parts).astype(np.float32)
        description = PIPER_FEATURES
    else:
        features = _espeak_features(list(phones), analysis.f0, analysis.energy, fps)
        description = ESPEAK_FEATURES
    assert features.shape[0] * hop == len(audio) == len(analysis.f0) * hop
    return Speech(
        audio=audio,
        sample_rate=sample_rate,
        timeline=timeline,
        tts_features=features,
        feature_fps=fps,
        emotion=line_emotion.astype(np.float32),
        prosody=Prosody(fps=fps, f0=analysis.f0, energy=analysis.energy),
        meta={"voice": chosen.info.name, "engine": chosen.info.engine, "language": chosen.info.language,
              "seed": seed, "features": description, "hop_length": hop,
              "styles": [s.__dict__ for s in styles]},
    )
