"""Unique, readable names for what the add-on creates: Actions named from the line's text, WAV files.

Pure logic (no bpy): callers pass the names already taken.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Container

ACTION_PREFIX = "UniTAF"
MAX_ID_NAME_BYTES = 63          # Blender 4.2's ID name limit (5.0 allows more; stay with the smaller)
MAX_FILE_STEM = 48


def _truncate_utf8(text: str, max_bytes: int) -> str:
    """Cut `text` to at most `max_bytes` UTF-8 bytes without splitting a character."""
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", errors="ignore")


def line_label(text: str, max_words: int = 6) -> str:
    """The first few words of a line, single-spaced, for names and reports ('line' if nothing is left)."""
    words = text.split()
    label = " ".join(words[:max_words])
    if len(words) > max_words:
        label += "..."
    return label or "line"


def action_name(text: str, taken: Container[str]) -> str:
    """A new Action name such as 'UniTAF: Hello there, how are you?' that is not in `taken`."""
    base = _truncate_utf8(f"{ACTION_PREFIX}: {line_label(text)}", MAX_ID_NAME_BYTES - 4)
    return unique_name(base, taken)


def unique_name(base: str, taken: Container[str]) -> str:
    """`base`, or `base.001`, `base.002`... (Blender's own style), whichever is free first."""
    if base not in taken:
        return base
    for i in range(1, 100_000):
        candidate = f"{base}.{i:03d}"
        if candidate not in taken:
            return candidate
    raise RuntimeError(f"no free name left for {base!r}")


def file_stem(text: str) -> str:
    """A portable file stem from text: ASCII letters, digits and underscores ('line' if nothing is left)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9]+", "_", ascii_text).strip("_").lower()
    stem = stem[:MAX_FILE_STEM].rstrip("_")
    return stem or "line"


def unique_file_path(directory: str, stem: str, suffix: str = ".wav") -> str:
    """A path in `directory` that does not exist yet: stem.wav, stem_2.wav, stem_3.wav...

    Callers still open it with mode 'xb' so that a file appearing in between is never overwritten.
    """
    for i in range(1, 100_000):
        name = f"{stem}{suffix}" if i == 1 else f"{stem}_{i}{suffix}"
        path = os.path.join(directory, name)
        if not os.path.exists(path):
            return path
    raise RuntimeError(f"no free file name left for {stem!r} in {directory}")
