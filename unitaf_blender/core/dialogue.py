"""Dialogue scripts for the batch: read CSV or JSON, check every row, and lay lines out on the timeline.

A dialogue file has the columns ``id,object,start,overlap,after,text,audio,transcript,emotion,intensity,voice``:

- ``id``: the row's own name (empty = a hash of what it says, and which occurrence of that it is); ids are
  unique in a file and are what a re-run uses to find the row's line in the scene;
- ``object``: the target object's name (empty = the batch's default object, if one was given);
- ``start``: the start frame (empty = laid out: see ``ConversationLayout`` and ``TimelineLayout``);
- ``overlap`` / ``after``: an earlier row (its id, or its row number) this line starts with, or after the
  end of (plus the gap); ``+N`` / ``-N`` shifts that by N frames (``after=r3-12``: 12 frames before r3
  ends, an interruption);
- ``text`` or ``audio``: the words to speak, or a WAV path (relative to the dialogue file) with an
  optional ``transcript``; exactly one of the two;
- ``emotion`` (a preset name, default ``neutral``; ``auto`` on an audio line: heard from the recording) and
  ``intensity`` (0..1, default 1);
- ``voice`` (empty = the backend's default voice).

CSV needs a header row (columns in any order, unknown columns are an error so typos are caught);
JSON is a list of objects with the same keys (or ``{"lines": [...]}``). Row numbers count data rows
from 1, in file order, and every problem names its row, so one bad row never stops the others.

Pure: stdlib only, no bpy, so it is unit-tested without Blender.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import math
import os
import re
from dataclasses import dataclass, field
from collections.abc import Iterator
from pathlib import Path

from . import timing
from .line_inputs import EMOTION_PRESETS, HEARD_EMOTION, InputError, clean_text
from .wav_header import WavHeaderError, read_wav_header

COLUMNS: tuple[str, ...] = ("id", "object", "start", "overlap", "after", "text", "audio", "transcript",
                            "emotion", "intensity", "voice")
DEFAULT_EMOTION = "neutral"
DEFAULT_INTENSITY = 1.0
DEFAULT_GAP_SECONDS = 0.5


class DialogueError(Exception):
    """The file as a whole cannot be read (missing, not CSV/JSON, no header...): one clear line."""


@dataclass(frozen=True)
class Anchor:
    """Where a line starts relative to an earlier row: with it ('overlap') or after its end ('after')."""
    kind: str                     # "overlap" or "after"
    row: int                      # the earlier row's number
    offset: int = 0               # frames added to that


@dataclass(frozen=True)
class DialogueLine:
    row: int                      # data row number, from 1, in file order
    object: str
    start: int | None             # None = laid out
    text: str | None              # exactly one of text and audio
    audio: str | None             # absolute path of a WAV file
    transcript: str | None
    emotion: str
    intensity: float
    voice: str | None
    row_id: str = ""              # the `id` cell, else a hash of what the row says + its occurrence
    digest: str = ""              # a hash of everything in the row: a change means a retake
    anchor: Anchor | None = None

    @property
    def label(self) -> str:
        """A short human name for logs: the text's start, or the audio file's name."""
        if self.text is not None:
            words = " ".join(self.text.split())
            return words if len(words) <= 40 else words[:37] + "..."
        return os.path.basename(self.audio or "")


@dataclass(frozen=True)
class RowProblem:
    row: int
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


@dataclass
class Dialogue:
    lines: list[DialogueLine] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return len(self.lines) + len(self.problems)


# ----------------------------------------------------------------------------------------------- reading

def read_dialogue(path: str | os.PathLike[str], default_object: str | None = None) -> Dialogue:
    """Read a .csv or .json dialogue file; relative audio paths are taken from the file's folder."""
    p = Path(path)
    if not p.is_file():
        raise DialogueError(f"dialogue file not found: {p}")
    try:
        content = p.read_text(encoding="utf-8-sig")    # -sig: spreadsheets often write a BOM
    except (OSError, UnicodeDecodeError) as exc:
        raise DialogueError(f"cannot read dialogue file {p}: {exc}") from None
    base_dir = str(p.resolve().parent)
    suffix = p.suffix.lower()
    if suffix == ".json":
        return parse_json(content, base_dir, default_object)
    if suffix == ".csv":
        return parse_csv(content, base_dir, default_object)
    raise DialogueError(f"dialogue file must be .csv or .json, got {p.name}")


def parse_csv(content: str, base_dir: str, default_object: str | None = None) -> Dialogue:
    """Parse CSV text with a header row. Blank lines are skipped and do not count as rows."""
    reader = csv.reader(io.StringIO(content), strict=True)
    header: list[str] | None = None
    records: list[dict[str, object]] = []
    for cells in _csv_records(reader):
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = [c.strip().lower() for c in cells]
            _check_header(header)
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            records.append({"__error__": f"{len(cells)} cells but the header has {len(header)} columns"})
            continue
        records.append({name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)})
    if header is None:
        raise DialogueError("dialogue CSV is empty; it needs a header row: " + ",".join(COLUMNS))
    return _check_records(records, base_dir, default_object)


def _csv_records(reader) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """The reader's records; a malformed file is one DialogueError naming the line it starts on."""
    while True:
        first = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = str(exc)
            if "field limit" in reason:
                raise DialogueError(f"dialogue CSV line {first}: a cell is longer than {csv.field_size_limit():,} "
                                    "characters (a line of text is at most 5,000)") from None
            if "unexpected end of data" in reason:
                raise DialogueError(f"dialogue CSV line {first}: a quote (\") opened there is never closed, so "
                                    "the rest of the file would be one cell; close it") from None
            raise DialogueError(f"dialogue CSV line {reader.line_num}: {reason}") from None
        yield cells


def parse_json(content: str, base_dir: str, default_object: str | None = None) -> Dialogue:
    """Parse a JSON list of line objects, or an object with a ``lines`` list."""
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise DialogueError(f"dialogue JSON is not valid: {exc}") from None
    except RecursionError:
        raise DialogueError("dialogue JSON is nested too deeply to be a dialogue (a list of line objects)") from None
    if isinstance(data, dict) and "lines" in data:
        data = data["lines"]
    if not isinstance(data, list):
        raise DialogueError('dialogue JSON must be a list of lines, or {"lines": [...]}')
    records: list[dict[str, object]] = []
    for item in data:
        if not isinstance(item, dict):
            records.append({"__error__": "each line must be a JSON object with the dialogue columns"})
            continue
        unknown = sorted(set(map(str, item)) - set(COLUMNS))
        if unknown:
            records.append({"__error__": f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(COLUMNS)}"})
            continue
        records.append(dict(item))
    return _check_records(records, base_dir, default_object)


def _check_header(header: list[str]) -> None:
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise DialogueError(
            f"unknown column(s) in the header: {', '.join(unknown)}; the first row must name the columns, "
            f"from: {', '.join(COLUMNS)}"
        )
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise DialogueError(f"column(s) named twice in the header: {', '.join(dupes)}")
    if "text" not in header and "audio" not in header:
        raise DialogueError("the header needs a 'text' or an 'audio' column")


def _check_records(records: list[dict[str, object]], base_dir: str, default_object: str | None) -> Dialogue:
    out = Dialogue()
    given_ids: dict[str, int] = {}
    for row, record in enumerate(records, start=1):
        cell = _cell(record, "id") if "__error__" not in record else None
        if cell is not None and cell not in given_ids:
            given_ids[cell] = row
    seen_content: dict[str, int] = {}
    for row, record in enumerate(records, start=1):
        try:
            line = _check_record(row, record, base_dir, default_object)
            own = _cell(record, "id")
            if own is not None and given_ids.get(own) != row:
                raise _RowError(f"id {own!r} is already used by row {given_ids[own]}; ids must be unique")
            row_id = own or ""
            if not row_id:       # the n-th row without an id that says this: stable when rows move
                content = _content_hash(line)
                seen_content[content] = seen_content.get(content, 0) + 1
                row_id = f"{content[:12]}-{seen_content[content]}"
            anchor = _parse_anchor(record, row, given_ids)
            line = _with_identity(line, row_id, anchor)
            out.lines.append(line)
        except _RowError as exc:
            out.problems.append(RowProblem(row, str(exc)))
    return out


def _content_hash(line: DialogueLine) -> str:
    """What the row says, to whom: its identity when it has no id (the emotion etc. may change)."""
    said = line.text if line.text is not None else f"audio:{os.path.basename(line.audio or '')}"
    return hashlib.sha1("\x1f".join((line.object, said, line.transcript or "")).encode("utf-8")).hexdigest()


def _with_identity(line: DialogueLine, row_id: str, anchor: Anchor | None) -> DialogueLine:
    audio_digest = ""
    if line.audio is not None:
        with open(line.audio, "rb") as f:
            audio_digest = hashlib.sha1(f.read()).hexdigest()
    fields = (line.object, str(line.start), str(anchor), line.text or "", audio_digest, line.transcript or "",
              line.emotion, f"{line.intensity:.6g}", line.voice or "")
    digest = hashlib.sha1("\x1f".join(fields).encode("utf-8")).hexdigest()[:16]
    return dataclasses.replace(line, row_id=row_id, digest=digest, anchor=anchor)


_ANCHOR = re.compile(r"^(?P<ref>.+?)\s*(?:(?P<sign>[+-])\s*(?P<frames>\d+))?$")


def _parse_anchor(record: dict[str, object], row: int, ids: dict[str, int]) -> Anchor | None:
    """The row's `overlap` or `after` cell: an earlier row's id (or row number), optionally +N / -N frames."""
    cells = {kind: _cell(record, kind) for kind in ("overlap", "after")}
    given = {k: v for k, v in cells.items() if v is not None}
    if not given:
        return None
    if len(given) > 1:
        raise _RowError("give 'overlap' or 'after', not both")
    (kind, text), = given.items()
    if _cell(record, "start") is not None:
        raise _RowError(f"give '{kind}' or 'start', not both")
    m = _ANCHOR.match(text)
    ref = m.group("ref") if m else text
    target = ids.get(ref)
    if target is None and ref.isdigit():
        target = int(ref)
    if target is None:
        raise _RowError(f"{kind} names row {ref!r}, which does not exist (use an earlier row's id or number)")
    if target >= row:
        raise _RowError(f"{kind} must name an earlier row; {ref!r} is row {target}")
    offset = 0
    if m and m.group("frames"):
        offset = int(m.group("frames")) * (-1 if m.group("sign") == "-" else 1)
    return Anchor(kind=kind, row=target, offset=offset)


class _RowError(Exception):
    pass


def _cell(record: dict[str, object], name: str) -> str | None:
    """A cell as stripped text; empty and missing cells are None (they take the default)."""
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        raise _RowError(f"{name} must not be true/false")
    text = str(value).strip()
    return text or None


def _check_record(row: int, record: dict[str, object], base_dir: str, default_object: str | None) -> DialogueLine:
    if "__error__" in record:
        raise _RowError(str(record["__error__"]))

    obj = _cell(record, "object") or default_object
    if not obj:
        raise _RowError("no object: fill the 'object' column (or pass a default object)")

    start = _parse_start(_cell(record, "start"))

    text = _cell(record, "text")
    audio = _cell(record, "audio")
    transcript = _cell(record, "transcript")
    if text and audio:
        raise _RowError("give either text or audio, not both (put the words of a recording in 'transcript')")
    if not text and not audio:
        raise _RowError("nothing to say: fill 'text', or 'audio' with a WAV file")
    if text and transcript:
        raise _RowError("'transcript' belongs to an audio line; this line has text")
    audio_path = None
    if audio:
        audio_path = os.path.normpath(os.path.join(base_dir, os.path.expanduser(audio)))
        if not audio_path.lower().endswith(".wav"):
            raise _RowError(f"audio must be a .wav file, got {audio!r}")
        if not os.path.isfile(audio_path):
            raise _RowError(f"audio file not found: {audio_path}")
        try:
            read_wav_header(audio_path)          # what the backend refuses from the header, refused here
        except WavHeaderError as exc:
            raise _RowError(str(exc)) from None
    if text:
        try:
            clean_text(text)
        except InputError as exc:
            raise _RowError(str(exc)) from None
    if transcript and "\x00" in transcript:
        raise _RowError("the transcript contains a NUL character")

    emotion = (_cell(record, "emotion") or DEFAULT_EMOTION).lower()
    if emotion == HEARD_EMOTION and not audio:
        raise _RowError(f"emotion {HEARD_EMOTION!r} is heard from a recording; a text line needs a preset")
    if emotion not in EMOTION_PRESETS and emotion != HEARD_EMOTION:
        raise _RowError(f"unknown emotion {emotion!r}; choose one of: {', '.join(EMOTION_PRESETS)} "
                        f"(or {HEARD_EMOTION} for an audio line)")

    intensity = _parse_intensity(_cell(record, "intensity"))
    voice = _cell(record, "voice")
    return DialogueLine(row=row, object=obj, start=start, text=text, audio=audio_path,
                        transcript=transcript, emotion=emotion, intensity=intensity, voice=voice)


def _parse_start(cell: str | None) -> int | None:
    if cell is None:
        return None
    try:
        value = float(cell)
    except ValueError:
        raise _RowError(f"start must be a frame number, got {cell!r}") from None
    if not math.isfinite(value) or value != int(value):
        raise _RowError(f"start must be a whole frame number, got {cell!r}")
    return int(value)


def _parse_intensity(cell: str | None) -> float:
    if cell is None:
        return DEFAULT_INTENSITY
    try:
        value = float(cell)
    except ValueError:
        raise _RowError(f"intensity must be a number between 0 and 1, got {cell!r}") from None
    if not (0.0 <= value <= 1.0):     # also false for NaN
        raise _RowError(f"intensity must be between 0 and 1, got {cell!r}")
    return value


# ----------------------------------------------------------------------------------------------- layout

def frames_for(duration_s: float, fps: float) -> int:
    """How many scene frames a line of this many seconds covers (at least one)."""
    return timing.audio_frames(duration_s, fps)


def default_gap(fps: float) -> int:
    return max(1, round(DEFAULT_GAP_SECONDS * fps))


@dataclass(frozen=True)
class Placement:
    start: int
    end: int                        # exclusive: the line covers frames start .. end-1
    requested: int | None           # the row's own start, if it had one
    moved: bool                     # True when a requested start overlapped and the line was pushed later


class TimelineLayout:
    """Where each line goes, per object, with no two lines of one object overlapping.

    Spans are half-open [start, end). A line with no start goes after the previous line placed on its
    object (or after the latest existing span there, or at ``first_frame``) plus ``gap``; a line whose
    start overlaps something already there is pushed to the first free place after it, so nothing is
    ever written over an earlier line.
    """

    def __init__(self, first_frame: int, gap: int, occupied: dict[str, list[tuple[int, int]]] | None = None):
        if gap < 0:
            raise ValueError("gap must be >= 0")
        self.first_frame = int(first_frame)
        self.gap = int(gap)
        self._spans: dict[str, list[tuple[int, int]]] = {
            name: sorted((int(s), int(e)) for s, e in spans) for name, spans in (occupied or {}).items()
        }
        self._last_end: dict[str, int] = {
            name: max(e for _, e in spans) for name, spans in self._spans.items() if spans
        }

    def spans(self, obj: str) -> list[tuple[int, int]]:
        return list(self._spans.get(obj, []))

    def place(self, obj: str, requested: int | None, length: int) -> Placement:
        """Find where a line of ``length`` frames goes; does not reserve it (see ``reserve``)."""
        if length < 1:
            raise ValueError("length must be >= 1")
        if requested is None:
            last = self._last_end.get(obj)
            want = self.first_frame if last is None else last + self.gap
        else:
            want = int(requested)
        start = self._first_free(obj, want, length)
        return Placement(start=start, end=start + length, requested=requested,
                         moved=requested is not None and start != requested)

    def reserve(self, obj: str, start: int, end: int) -> None:
        """Record a line as placed (use the span the writer really covered)."""
        if end <= start:
            raise ValueError("end must be after start")
        spans = self._spans.setdefault(obj, [])
        spans.append((int(start), int(end)))
        spans.sort()
        self._last_end[obj] = int(end)

    def _first_free(self, obj: str, want: int, length: int) -> int:
        # One pass is enough: spans are sorted by start, and a line that fits before a span fits before
        # every later one, so a push never lands on a span already passed.
        start = want
        for s, e in self._spans.get(obj, []):
            if start < e and s < start + length:
                start = e + self.gap
        return start


class LayoutError(ValueError):
    """A line cannot be placed (its anchor row did not land): that row's error, the others go on."""


class _RowSpans:
    """The spans of the rows placed so far, for lines anchored to an earlier row."""

    gap: int

    def __init__(self) -> None:
        self._rows: dict[int, tuple[int, int]] = {}

    def anchored_start(self, line: DialogueLine) -> int | None:
        """Where an anchored line wants to start (None when it has no anchor)."""
        anchor = line.anchor
        if anchor is None:
            return None
        span = self._rows.get(anchor.row)
        if span is None:
            raise LayoutError(f"{anchor.kind} names row {anchor.row}, which did not land")
        base = span[0] if anchor.kind == "overlap" else span[1] + self.gap
        return base + anchor.offset

    def row_span(self, row: int) -> tuple[int, int] | None:
        return self._rows.get(row)

    def _remember(self, line: DialogueLine, start: int, end: int) -> None:
        self._rows[line.row] = (int(start), int(end))


class ConversationLayout(_RowSpans):
    """Turns taken in file order, whoever speaks: a line without `start` begins after every line placed so
    far has ended, plus the gap, so no two lines overlap unless a row asks for it (`start`, `overlap`,
    `after`). The first begins at `first_frame`. Spans are half-open [start, end)."""

    def __init__(self, first_frame: int, gap: int):
        super().__init__()
        if gap < 0:
            raise ValueError("gap must be >= 0")
        self.first_frame, self.gap = int(first_frame), int(gap)
        self._end: int | None = None

    def place_line(self, line: DialogueLine, length: int) -> Placement:
        if length < 1:
            raise ValueError("length must be >= 1")
        want = line.start if line.start is not None else self.anchored_start(line)
        if want is None:
            want = self.first_frame if self._end is None else self._end + self.gap
        return Placement(start=int(want), end=int(want) + length, requested=line.start, moved=False)

    def reserve_line(self, line: DialogueLine, start: int, end: int) -> None:
        if end <= start:
            raise ValueError("end must be after start")
        self._remember(line, start, end)
        self._end = int(end) if self._end is None else max(self._end, int(end))


class PerCharacterLayout(TimelineLayout, _RowSpans):
    """The per-object layout (`TimelineLayout`) for dialogue lines: each object's lines follow each other,
    whatever the others do; an anchored line starts where its anchor says (moved past any overlap)."""

    def __init__(self, first_frame: int, gap: int, occupied: dict[str, list[tuple[int, int]]] | None = None):
        TimelineLayout.__init__(self, first_frame, gap, occupied)
        _RowSpans.__init__(self)

    def place_line(self, line: DialogueLine, length: int) -> Placement:
        requested = line.start if line.start is not None else self.anchored_start(line)
        return self.place(line.object, requested, length)

    def reserve_line(self, line: DialogueLine, start: int, end: int) -> None:
        self.reserve(line.object, start, end)
        self._remember(line, start, end)


def estimated_seconds(line: DialogueLine) -> float:
    """A line's length without asking a backend (for --check): a WAV's own length, else ~15 characters a
    second of text (conversational English), at least half a second."""
    if line.audio is not None:
        import wave
        try:
            with wave.open(line.audio) as w:
                return w.getnframes() / float(w.getframerate())
        except (OSError, EOFError, wave.Error):
            return 1.0
    return max(0.5, len(" ".join((line.text or "").split())) / 15.0)
