"""The two TTS engines behind one interface: speak ONE sentence with a style, return a ``Chunk``.

A chunk is sample-exact: its audio length is a multiple of ``HOP`` (so frame-level features line up),
its phones are contiguous, cover [0, len(audio)) and carry the engine's own timing:

- Piper: samples per phoneme id from the model's own durations (the ``Ceil`` output), the same run
  that made the audio and the features; the word each phone belongs to comes from eSpeak NG's word
  events on the same text, matched to Piper's phones by sequence alignment (eSpeak sometimes writes
  two words as one, e.g. "of the" -> ``ʌvðə``, so spaces alone cannot tell).
- eSpeak NG: its phoneme and word events, each at the exact sample where it starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from . import espeak_lib, prosody
from .phonemes import WORD_BREAK, segment
from .piper_model import PiperModel
from .style import Style, VoiceSettings
from .timeline import SILENCE

HOP = 256                 # samples per feature frame at 22.05 kHz for both engines (86.13 fps)
MIN_WORD_GAP_S = 0.04     # a gap between words shorter than this stays inside the previous phone
ESPEAK_BASE_WPM = 175
ESPEAK_SEMITONES_PER_STEP = 0.17   # eSpeak NG pitch parameter, measured on en-us (docs/speech.md)
ESPEAK_GAIN = 0.6        # brings eSpeak's level near Piper's so voices mix in a corpus


@dataclass
class LocalPhone:
    symbol: str
    stress: int
    start: int       # samples from the chunk's start
    end: int
    word: int        # index into Chunk.words, -1 for pauses


@dataclass
class Chunk:
    audio: np.ndarray                 # float32 [N], N % HOP == 0
    phones: list[LocalPhone]
    words: list[str]
    features: np.ndarray | None       # Piper: float32 [N / HOP, 192]; eSpeak: None (built later)


def _append(phones: list[LocalPhone], symbol: str, stress: int, samples: int, word: int) -> None:
    """Append a phone after the last one; consecutive pauses become one."""
    start = phones[-1].end if phones else 0
    if symbol == SILENCE and phones and phones[-1].symbol == SILENCE:
        phones[-1].end += samples
        return
    phones.append(LocalPhone(symbol, stress, start, start + samples, word))


def _extend_last(phones: list[LocalPhone], samples: int) -> None:
    if phones:
        phones[-1].end += samples
    else:
        _append(phones, SILENCE, 0, samples, -1)


# --- word membership by alignment ----------------------------------------------------------------------
def _align(a: list[str], b: list[str]) -> list[int]:
    """For each item of a, the index of the b item it is aligned with (-1 if inserted): edit distance."""
    if a == b:
        return list(range(len(a)))
    n, m = len(a), len(b)
    cost = [list(range(m + 1))] + [[i] + [0] * m for i in range(1, n + 1)]
    for i in range(1, n + 1):
        ai, row, prev = a[i - 1], cost[i], cost[i - 1]
        for j in range(1, m + 1):
            row[j] = min(prev[j - 1] + (ai != b[j - 1]), prev[j] + 1, row[j - 1] + 1)
    out = [-1] * n
    i, j = n, m
    while i > 0 and j > 0:
        if cost[i][j] == cost[i - 1][j - 1] + (a[i - 1] != b[j - 1]):
            out[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif cost[i][j] == cost[i - 1][j] + 1:
            i -= 1
        else:
            j -= 1
    return out


_TOKEN = re.compile(r"\S+")
_EDGE_PUNCTUATION = "\"'()[]{}.,;:!?…-"


def _text_tokens(text: str) -> list[tuple[int, int, str]]:
    """Whitespace-separated tokens that have a letter or digit: (start, end, text without edge punctuation)."""
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group(0).strip(_EDGE_PUNCTUATION)
        if any(ch.isalnum() for ch in word):
            out.append((m.start(), m.end(), word))
    return out


def _spoken_alone(word: str, identifier: str) -> int:
    """How many phones eSpeak NG says for a word on its own."""
    _, events, _ = espeak_lib.synthesize(word, identifier)
    return sum(1 for ev in events if ev.kind == espeak_lib.EVENT_PHONEME and ev.phoneme
               for t in segment(ev.phoneme) if t.symbol not in (WORD_BREAK, SILENCE))


def espeak_words(text: str, events: list[espeak_lib.EspeakEvent], identifier: str
                 ) -> tuple[list[str], list[tuple[str, int]]]:
    """The words of text and, in event order, each phone eSpeak spoke as (symbol, word index).

    eSpeak reports one word event for what it speaks as one unit, which can be several words of the
    text ("of the" -> ``ʌvðə``): those are split again, the later words taking as many of the unit's
    last phones as each has when spoken alone."""
    tokens = _text_tokens(text)
    units: list[tuple[list[int], list[str]]] = []     # (token indices, phone symbols) per word event
    for ev in events:
        if ev.kind == espeak_lib.EVENT_WORD:
            k = next((i for i, (a, b, _) in enumerate(tokens) if a <= ev.text_position < b), None)
            if k is None:
                k = next((i for i, (a, _, _) in enumerate(tokens) if a >= ev.text_position), None)
            if k is None or (units and units[-1][0] and k <= units[-1][0][-1]):
                units.append(([], []))     # part of the previous token (e.g. "I" of "I'm")
            else:
                units.append(([k], []))
        elif ev.kind == espeak_lib.EVENT_PHONEME and ev.phoneme and units:
            units[-1][1].extend(t.symbol for t in segment(ev.phoneme) if t.symbol not in (WORD_BREAK, SILENCE))
    # fold units with no token of their own into the one before
    merged: list[tuple[list[int], list[str]]] = []
    for toks, phones in units:
        if toks or not merged:
            merged.append((list(toks), list(phones)))
        else:
            merged[-1][1].extend(phones)
    # tokens skipped between two word events belong to the first one
    for i, (toks, _) in enumerate(merged):
        if not toks:
            continue
        following = next((m[0][0] for m in merged[i + 1:] if m[0]), len(tokens))
        toks.extend(range(toks[0] + 1, following))
    words: list[str] = []
    reference: list[tuple[str, int]] = []
    for toks, phones in merged:
        if not toks:
            continue
        counts = [0] + [_spoken_alone(tokens[t][2], identifier) for t in toks[1:]]
        share = sum(counts[1:])
        counts[0] = len(phones) - share
        while counts[0] < 1 and share > 0:        # the first word keeps at least one phone
            j = max(range(1, len(counts)), key=lambda c: counts[c])
            counts[j] -= 1
            counts[0] += 1
            share -= 1
        pos = 0
        for t, count in zip(toks, counts):
            index = len(words)
            words.append(tokens[t][2])
            reference.extend((sym, index) for sym in phones[pos:pos + max(count, 0)])
            pos += max(count, 0)
        reference.extend((sym, len(words) - 1) for sym in phones[pos:])
    return words, reference


def _assign_words(phones: list[LocalPhone], reference: list[tuple[str, int]], n_words: int) -> None:
    """Give each spoken phone the word of the reference phone it aligns with; keep words contiguous."""
    spoken = [i for i, p in enumerate(phones) if p.symbol != SILENCE]
    matched = _align([phones[i].symbol for i in spoken], [s for s, _ in reference])
    word = [reference[j][1] if j >= 0 else -1 for j in matched]
    last = 0
    for k in range(len(word)):      # unaligned phones join the word before them; never go back
        if word[k] < 0:
            word[k] = last
        word[k] = max(word[k], last)
        last = word[k]
    for k, i in enumerate(spoken):
        phones[i].word = min(word[k], n_words - 1)


def _compact_words(phones: list[LocalPhone], words: list[str]) -> list[str]:
    """Drop words that got no phone and renumber."""
    used = sorted({p.word for p in phones if p.word >= 0})
    index = {old: new for new, old in enumerate(used)}
    for p in phones:
        p.word = index.get(p.word, -1)
    return [words[i] for i in used]


# --- Piper -------------------------------------------------------------------------------------------------
def _piper_phones(phoneme_items: list[str], id_samples: np.ndarray, owner: list[int], sample_rate: int
                  ) -> list[LocalPhone]:
    """Phones of one Piper run from its per-id samples (ids -> items -> characters -> tokens)."""
    ipa = "".join(phoneme_items)
    char_samples = np.zeros(len(ipa) + 1, dtype=np.int64)   # last slot: samples after the last char
    item_start = np.cumsum([0] + [len(p) for p in phoneme_items])
    lead = tail = 0
    seen_item = False
    for samples, item in zip(id_samples.tolist(), owner):
        if item < 0:
            if seen_item:
                tail += samples
            else:
                lead += samples
        else:
            seen_item = True
            char_samples[item_start[item]] += samples
    tokens = segment(ipa)
    phones: list[LocalPhone] = []
    if lead:
        _append(phones, SILENCE, 0, lead, -1)
    min_gap = int(MIN_WORD_GAP_S * sample_rate)
    for k, token in enumerate(tokens):
        begin = 0 if k == 0 else token.first_char
        end = tokens[k + 1].first_char if k + 1 < len(tokens) else len(ipa)
        samples = int(char_samples[begin:end].sum())
        if token.symbol == WORD_BREAK:
            if samples >= min_gap:
                _append(phones, SILENCE, 0, samples, -1)
            else:
                _extend_last(phones, samples)
        else:
            _append(phones, token.symbol, token.stress, samples, -1)
    if not tokens:
        tail += int(char_samples.sum())
    if tail:
        _append(phones, SILENCE, 0, tail, -1)
    return phones


def _apply_pitch(audio: np.ndarray, features: np.ndarray, phones: list[LocalPhone], style: Style,
                 sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Move pitch level/range by varispeed, and the phones and feature frames with it."""
    analysis = prosody.analyse(audio, sample_rate, HOP)
    curve = prosody.pitch_rate_curve(analysis.f0, style.pitch_semitones, style.pitch_range)
    warp = prosody.varispeed(audio, curve, HOP, sample_rate)
    frames = max(1, round(len(warp.audio) / HOP))
    length = frames * HOP
    out = np.zeros(length, dtype=np.float32)
    keep = min(length, len(warp.audio))
    out[:keep] = warp.audio[:keep]
    bounds = np.array([p.start for p in phones] + [phones[-1].end], dtype=np.int64)
    moved = np.minimum(warp.map_sample(bounds), length)
    moved[0], moved[-1] = 0, length
    moved = np.maximum.accumulate(moved)
    for p, a, b in zip(phones, moved[:-1], moved[1:]):
        p.start, p.end = int(a), int(b)
    # each output frame reads the input latent where its centre came from, between frames linearly
    centres = (np.arange(frames) + 0.5) * HOP
    source = np.clip(warp.source_position(centres) / HOP - 0.5, 0.0, len(features) - 1.0)
    low = np.floor(source).astype(np.int64)
    high = np.minimum(low + 1, len(features) - 1)
    frac = (source - low)[:, None].astype(np.float32)
    return out, features[low] * (1.0 - frac) + features[high] * frac


def piper_sentence(model: PiperModel, text: str, style: Style, settings: VoiceSettings | None,
                   rng: np.random.Generator) -> Chunk:
    cfg = model.config
    settings = settings or VoiceSettings()
    level = 2.0 ** (style.pitch_semitones / 12.0)
    reshape = abs(style.pitch_semitones) > 1e-3 or abs(style.pitch_range - 1.0) > 1e-3
    # varispeed shortens speech by the pitch factor: ask Piper for that much slower speech first
    length_scale = cfg.length_scale * style.duration * (level if reshape else 1.0)
    noise_scale = min((settings.noise_scale if settings.noise_scale is not None else cfg.noise_scale)
                      * style.variability, 1.2)
    noise_w = min((settings.noise_w if settings.noise_w is not None else cfg.noise_w_scale)
                  * style.variability, 1.5)
    audio_parts: list[np.ndarray] = []
    feature_parts: list[np.ndarray] = []
    phones: list[LocalPhone] = []
    offset = 0
    for items in model.phonemize(text):
        if not items:
            continue
        ids, owner = model.ids(items)
        run = model.run(ids, length_scale, noise_scale, noise_w, rng)
        for p in _piper_phones(items, run.frames * model.hop, owner, model.sample_rate):
            if phones and p.symbol == SILENCE and phones[-1].symbol == SILENCE:
                phones[-1].end = offset + p.end
            else:
                phones.append(LocalPhone(p.symbol, p.stress, offset + p.start, offset + p.end, -1))
        audio_parts.append(run.audio)
        feature_parts.append(run.features)
        offset += len(run.audio)
    if not audio_parts:
        raise ValueError(f"Piper produced no phonemes for {text!r}")
    audio = np.concatenate(audio_parts)
    features = np.concatenate(feature_parts)
    # words: eSpeak's word events on the same text, matched to these phones
    _, events, _ = espeak_lib.synthesize(text, cfg.espeak_voice)
    words = _words_of(phones, text, events, cfg.espeak_voice)
    if reshape:
        audio, features = _apply_pitch(audio, features, phones, style, model.sample_rate)
    audio = audio * np.float32(10.0 ** (style.gain_db / 20.0))
    return Chunk(audio=audio.astype(np.float32), phones=phones, words=words, features=features)


def _words_of(phones: list[LocalPhone], text: str, events: list[espeak_lib.EspeakEvent], voice: str) -> list[str]:
    """The sentence's words from eSpeak's word events, each phone tagged with its word's index."""
    words, reference = espeak_words(text, events, voice)
    if words:
        _assign_words(phones, reference, len(words))
    else:  # no word events: the whole sentence is one word
        words = [text]
        for p in phones:
            p.word = -1 if p.symbol == SILENCE else 0
    return _compact_words(phones, words)


# --- eSpeak NG --------------------------------------------------------------------------------------------
def espeak_sentence(identifier: str, text: str, style: Style, seed: int) -> tuple[Chunk, int]:
    """One sentence with eSpeak NG; returns the chunk and the sample rate."""
    wpm = int(np.clip(round(ESPEAK_BASE_WPM / style.duration), 80, 450))
    pitch = int(np.clip(round(50 + style.pitch_semitones / ESPEAK_SEMITONES_PER_STEP), 0, 99))
    pitch_range = int(np.clip(round(50 * style.pitch_range * np.sqrt(style.variability)), 0, 99))
    audio, events, sample_rate = espeak_lib.synthesize(text, identifier, wpm, pitch, pitch_range, 100, seed)
    length = int(np.ceil(max(len(audio), 1) / HOP)) * HOP
    padded = np.zeros(length, dtype=np.float32)
    padded[:len(audio)] = audio
    phones: list[LocalPhone] = []
    marks = [ev for ev in events if ev.kind == espeak_lib.EVENT_PHONEME]
    starts = [min(max(ev.sample, 0), length) for ev in marks]
    for k, ev in enumerate(marks):
        begin = max(starts[k], phones[-1].end if phones else 0)
        if not phones and begin > 0:
            _append(phones, SILENCE, 0, begin, -1)
        end = max(starts[k + 1] if k + 1 < len(marks) else length, begin)
        tokens = [t for t in segment(ev.phoneme) if t.symbol not in (WORD_BREAK, SILENCE)]
        if not tokens:
            _append(phones, SILENCE, 0, end - begin, -1)
            continue
        cuts = np.linspace(begin, end, len(tokens) + 1).round().astype(int)   # split a multi-phone event
        for t, a, b in zip(tokens, cuts[:-1], cuts[1:]):
            _append(phones, t.symbol, t.stress, int(b - a), -1)
    covered = phones[-1].end if phones else 0
    if covered < length:
        _append(phones, SILENCE, 0, length - covered, -1)
    words = _words_of(phones, text, events, identifier)
    padded *= np.float32(ESPEAK_GAIN * 10.0 ** (style.gain_db / 20.0))
    return Chunk(audio=padded, phones=phones, words=words, features=None), sample_rate
