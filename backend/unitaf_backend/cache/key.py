"""A line's cache key: a hash of everything that decides its result. Pure stdlib.

The recipe is spelled as the add-on's request is (preset name + intensity, cleaned text, the recording's
bytes by their SHA-256), so the batch in Blender computes the same key without the backend.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

KEY_FORMAT = 1      # bump when the recipe's spelling changes


@dataclass(frozen=True)
class LineRecipe:
    kind: str                       # "speak" (text) or "animate" (a recording)
    text: str | None = None         # speak: the words, whitespace tidied
    audio_sha256: str | None = None  # animate: the WAV file's bytes
    transcript: str | None = None
    emotion: str = "neutral"        # a preset name, lower case
    intensity: float = 1.0
    voice: str | None = None        # None = the default voice
    fps: float = 24.0
    mode: str = "auto"
    seed: int = 0
    head_motion: bool = False


def canonical(recipe: LineRecipe, version: str) -> bytes:
    """The exact bytes hashed: sorted-key JSON of the recipe's fields, the pipeline version and the format."""
    fields = asdict(recipe)
    fields["intensity"] = float(fields["intensity"])
    fields["fps"] = float(fields["fps"])
    fields["seed"] = int(fields["seed"])
    fields["head_motion"] = bool(fields["head_motion"])
    fields["pipeline_version"] = version
    fields["key_format"] = KEY_FORMAT
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def line_key(recipe: LineRecipe, version: str) -> str:
    return hashlib.sha256(canonical(recipe, version)).hexdigest()
