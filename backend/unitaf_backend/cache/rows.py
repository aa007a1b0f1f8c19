"""A dialogue file's rows -> the recipes of their results, for rendering a whole script into the cache.

The backend reads the batch's dialogue files itself (CSV with a header row, or JSON: a list of objects or
``{"lines": [...]}``), with the batch's columns. Only the columns that decide a row's result count here
(``text`` or ``audio`` + ``transcript``, ``emotion``, ``intensity``, ``voice``); the layout columns
(``object``, ``start``, ``overlap``, ``after``) are accepted and ignored, since where a line plays does
not change what it says. The add-on's reader (``unitaf_blender/core/dialogue.py``) lives in Blender's
Python, which the backend never imports; both spell a row's recipe the same way (a test checks their
keys agree on the same file).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import BadInput
from .key import LineRecipe

COLUMNS = ("id", "object", "start", "overlap", "after", "text", "audio", "transcript", "emotion", "intensity",
           "voice")
PRESETS = ("neutral", "happy", "angry", "sad", "afraid", "disgusted", "melancholic", "surprised", "calm")


@dataclass(frozen=True)
class LineJob:
    row: int                        # data row number from 1
    name: str                       # the id cell, else "row N"
    recipe: LineRecipe
    audio_path: Path | None = None  # animate rows: the recording


@dataclass(frozen=True)
class RowIssue:
    row: int
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


@dataclass
class Script:
    jobs: list[LineJob] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)


@dataclass(frozen=True)
class RenderSettings:
    fps: float = 24.0
    mode: str = "auto"
    seed: int = 0
    head_motion: bool = False


def read_script(path: str | Path, settings: RenderSettings) -> Script:
    p = Path(path)
    try:
        content = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInput(f"dialogue file not found: {p}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise BadInput(f"cannot read dialogue file {p}: {err}") from None
    if p.suffix.lower() == ".csv":
        records = _csv_records(content)
    elif p.suffix.lower() == ".json":
        records = _json_records(content)
    else:
        raise BadInput(f"dialogue file must be .csv or .json, got {p.name}")
    script = Script()
    base = p.resolve().parent
    for row, record in enumerate(records, start=1):
        try:
            script.jobs.append(_job(row, record, base, settings))
        except BadInput as err:
            script.issues.append(RowIssue(row, str(err)))
    return script


def _csv_records(content: str) -> list[dict[str, str]]:
    rows = [cells for cells in csv.reader(io.StringIO(content)) if any(c.strip() for c in cells)]
    if not rows:
        raise BadInput("dialogue CSV is empty; it needs a header row: " + ",".join(COLUMNS))
    header = [c.strip().lower() for c in rows[0]]
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise BadInput(f"unknown column(s) in the header: {', '.join(unknown)}; allowed: {', '.join(COLUMNS)}")
    return [{name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)} for cells in rows[1:]]


def _json_records(content: str) -> list[dict[str, str]]:
    try:
        data = json.loads(content)
    except json.JSONDecodeError as err:
        raise BadInput(f"dialogue JSON is not valid: {err}") from None
    if isinstance(data, dict) and "lines" in data:
        data = data["lines"]
    if not isinstance(data, list):
        raise BadInput('dialogue JSON must be a list of lines, or {"lines": [...]}')
    return [{str(k): ("" if v is None else str(v)) for k, v in item.items()} if isinstance(item, dict)
            else {"__error__": "each line must be a JSON object"} for item in data]


def _cell(record: dict[str, str], name: str) -> str | None:
    value = str(record.get(name, "") or "").strip()
    return value or None


def _job(row: int, record: dict[str, str], base: Path, settings: RenderSettings) -> LineJob:
    if "__error__" in record:
        raise BadInput(record["__error__"])
    text, audio = _cell(record, "text"), _cell(record, "audio")
    if (text is None) == (audio is None):
        raise BadInput("give exactly one of 'text' and 'audio'")
    emotion = (_cell(record, "emotion") or "neutral").lower()
    if emotion not in PRESETS:
        raise BadInput(f"unknown emotion {emotion!r}; choose one of: {', '.join(PRESETS)}")
    try:
        intensity = float(_cell(record, "intensity") or 1.0)
    except ValueError:
        raise BadInput(f"intensity must be a number, got {record.get('intensity')!r}") from None
    if not 0.0 <= intensity <= 1.0:
        raise BadInput(f"intensity must be between 0 and 1, got {intensity:g}")
    common = LineRecipe(kind="speak", emotion=emotion, intensity=intensity, voice=_cell(record, "voice"),
                        fps=float(settings.fps), mode=settings.mode, seed=int(settings.seed),
                        head_motion=bool(settings.head_motion))
    name = _cell(record, "id") or f"row {row}"
    if text is not None:
        return LineJob(row, name, replace(common, text=" ".join(text.split())))
    path = Path(audio) if Path(audio).is_absolute() else base / audio
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as err:
        raise BadInput(f"cannot read the audio file {path}: {err.strerror or err}") from None
    transcript = " ".join((_cell(record, "transcript") or "").split()) or None
    return LineJob(row, name, replace(common, kind="animate", audio_sha256=digest, transcript=transcript),
                   audio_path=path)
