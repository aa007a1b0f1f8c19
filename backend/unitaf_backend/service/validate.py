"""Checks shared by the HTTP routes and the add-on's in-process client, so both refuse the same things
with the same message; and the catalog of what this backend has installed."""

from __future__ import annotations

import importlib
import re
import threading
from types import ModuleType

from .. import __version__
from ..emotion import EMOTIONS, PRESETS, parse_emotion
from ..errors import BadInput, NotInstalled
from ..prosody_emotion import AUTO, is_auto
from .config import API_VERSION, Limits

# A voice is named, never given as a path: letters, digits and - _ . + only, no leading dot.
VOICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$")


def load_pipeline() -> ModuleType:
    """The pipeline module, imported on first use (it loads the speech engines: seconds, not milliseconds)."""
    return importlib.import_module("unitaf_backend.pipeline")


def check_text(text: str, what: str, max_chars: int, required: bool) -> None:
    if required and not text.strip():
        raise BadInput(f"{what} is empty")
    if len(text) > max_chars:
        raise BadInput(f"{what} is {len(text)} characters long; the limit is {max_chars}")
    if "\x00" in text:
        raise BadInput(f"{what} contains a NUL character")


def emotion_spec(emotion: str, intensity: float, heard: bool = False) -> str:
    """The add-on's (preset, intensity), or a mix string, -> the backend's `NAME:INTENSITY` spelling.
    `heard`: a recording, where "auto" asks for the emotion heard in it."""
    if is_auto(emotion):
        if not heard:
            raise BadInput(f"emotion {AUTO!r} is heard from a recording (/v1/animate); give a preset for a line")
        return AUTO
    spec = emotion.strip()
    if any(c in spec for c in ":+"):
        if intensity != 1.0:
            raise BadInput("give either a preset name with an intensity, or a mix like happy:0.6+sad:0.2, not both")
    else:
        spec = f"{spec or 'neutral'}:{float(intensity):g}"
    parse_emotion(spec)          # raises BadInput for an unknown name or an intensity outside 0..1
    return spec


class Catalog:
    """What this backend has installed (voices, neural model), looked up once and cached."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._voices: list[dict] | None = None
        self._problems: dict[str, str] = {}

    def voices(self) -> list[dict] | None:
        """The installed voices, or None when the speech stage cannot be loaded here."""
        with self._lock:
            if self._voices is None and "speech" not in self._problems:
                try:
                    from ..speech import list_voices
                    self._voices = [
                        {k: str(getattr(v, k, "")) for k in ("name", "language", "engine", "description")}
                        for v in list_voices()
                    ]
                except Exception as err:  # noqa: BLE001 - reported in info() instead
                    self._problems["speech"] = f"{type(err).__name__}: {err}"
            return self._voices

    def auto_mode(self) -> str | None:
        try:
            return load_pipeline().resolve_mode("auto")
        except Exception as err:  # noqa: BLE001 - reported in info() instead
            self._problems["model"] = f"{type(err).__name__}: {err}"
            return None

    def check_voice(self, voice: str | None) -> None:
        if voice is None:
            return
        if not VOICE_NAME.match(voice):
            raise BadInput(f"voice {voice!r} is not a voice name (letters, digits, '-', '_', '.', '+')")
        known = self.voices()
        if known is not None and voice not in {v["name"] for v in known}:
            names = ", ".join(v["name"] for v in known) or "none"
            raise NotInstalled(f"voice {voice!r} is not installed here; installed voices: {names}")

    def info(self, limits: Limits, wire_version: int) -> dict:
        pipeline = load_pipeline()
        voices = self.voices()
        auto = self.auto_mode()
        return {
            "name": "unitaf", "version": __version__, "api_version": API_VERSION, "wire_version": wire_version,
            "voices": voices or [],
            "emotion": {"presets": list(PRESETS), "dimensions": list(EMOTIONS),
                        "spelling": "a preset NAME with an intensity 0..1, or a mix NAME:LEVEL+NAME:LEVEL"},
            "modes": list(pipeline.MODES), "auto_mode": auto,
            "fps": {"min": pipeline.MIN_FPS, "max": pipeline.MAX_FPS, "default": 30.0},
            "limits": limits.as_dict(),
            "problems": dict(self._problems),
        }
