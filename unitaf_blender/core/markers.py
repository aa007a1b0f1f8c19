"""Timeline markers for a line's words or sentences, from the backend's timeline. Pure logic, no bpy."""

from __future__ import annotations

from dataclasses import dataclass

MARKER_KINDS = ("none", "words", "sentences")
MAX_MARKER_NAME = 60


@dataclass(frozen=True)
class Marker:
    name: str
    frame: int


def line_markers(timeline: dict, kind: str, start_frame: int, fps: float) -> list[Marker]:
    """Markers at the start of each word (or sentence) of a line placed at `start_frame`.

    The timeline's words carry `text` (or `word`) and `start` in seconds from the line's first sample;
    sentences carry `text` and `start`. Unknown kinds are an error; a timeline without them gives none.
    """
    if kind not in MARKER_KINDS:
        raise ValueError(f"unknown marker kind {kind!r}; choose one of: {', '.join(MARKER_KINDS)}")
    if kind == "none":
        return []
    out = []
    for item in timeline.get(kind) or []:
        if not isinstance(item, dict) or "start" not in item:
            continue
        text = str(item.get("text", item.get("word", ""))).strip()
        if not text:
            continue
        out.append(Marker(text[:MAX_MARKER_NAME], int(start_frame) + round(float(item["start"]) * float(fps))))
    return out
