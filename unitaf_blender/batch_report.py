"""What a batch run reports: one outcome per row, the summary, the JSON report, and the progress log."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import TextIO

EXIT_OK, EXIT_LINES_FAILED, EXIT_CANNOT_RUN, EXIT_INTERRUPTED = 0, 1, 2, 130


@dataclass(frozen=True)
class LineOutcome:
    row: int
    object: str
    label: str
    ok: bool
    message: str = ""               # the error, or a note (e.g. "moved from 120")
    frame_start: int = 0
    frame_end: int = 0              # exclusive
    duration: float = 0.0           # seconds of audio
    action: str = ""
    sound_strip: str = ""
    status: str = ""                # "new", "retake", "unchanged" (skipped: already in the scene), or ""


@dataclass
class BatchReport:
    outcomes: list[LineOutcome]
    wall_s: float
    saved: str
    removed: int = 0                # earlier batch results removed by --replace
    interrupted: bool = False       # Ctrl-C or SIGTERM: the lines that landed were saved, the rest not run
    checked_only: bool = False      # --check: rows were checked, nothing was spoken or saved

    @property
    def landed(self) -> list[LineOutcome]:
        """Lines written by this run (new or retaken)."""
        return [o for o in self.outcomes if o.ok and o.status != "unchanged"]

    @property
    def unchanged(self) -> list[LineOutcome]:
        return [o for o in self.outcomes if o.ok and o.status == "unchanged"]

    @property
    def failed(self) -> list[LineOutcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def audio_s(self) -> float:
        return sum(o.duration for o in self.landed)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_LINES_FAILED if self.failed else EXIT_OK

    def to_json(self) -> dict:
        return {
            "lines": [dataclasses.asdict(o) for o in self.outcomes],
            "landed": len(self.landed), "unchanged": len(self.unchanged), "failed": len(self.failed),
            "audio_s": self.audio_s,
            "wall_s": self.wall_s, "saved": self.saved, "removed": self.removed,
            "interrupted": self.interrupted, "exit_code": self.exit_code,
        }

    def summary(self) -> str:
        n, bad = len(self.outcomes), self.failed
        if self.checked_only:
            rows = ", ".join(str(o.row) for o in bad)
            return f"{n - len(bad)} of {n} rows are fine" + (f", {len(bad)} not (row(s) {rows})" if bad else "")
        per_min = 60.0 * len(self.landed) / self.wall_s if self.wall_s > 0 else 0.0
        speed = self.audio_s / self.wall_s if self.wall_s > 0 else 0.0
        head = f"{len(self.landed)} of {n} lines landed"
        retakes = sum(o.status == "retake" for o in self.landed)
        if retakes:
            head += f" ({retakes} retake{'s' if retakes > 1 else ''})"
        if self.unchanged:
            head += f", {len(self.unchanged)} unchanged (already in the scene)"
        if bad:
            head += f", {len(bad)} failed (row{'s' if len(bad) > 1 else ''} {', '.join(str(o.row) for o in bad)})"
        lines = [
            head,
            (f"{self.audio_s:.1f} s of audio in {self.wall_s:.1f} s: {per_min:.1f} lines/min, "
             f"{speed:.2f} audio s per wall s"),
        ]
        if self.interrupted:
            lines.append("interrupted: the lines that landed were saved, the others were not run")
        if self.removed:
            lines.append(f"--replace removed {self.removed} earlier batch result(s)")
        if self.saved:
            lines.append(f"saved {self.saved}")
        elif not self.landed and not self.removed and not self.interrupted:
            lines.append("nothing changed, so nothing was saved")
        return "\n".join(lines)


def output_path_problem(path: str | None, flag: str) -> str | None:
    """Why `path` cannot be written by this run (its folder is missing, or it is a folder), or None.
    The batch never creates folders for its outputs: a mistyped path is said, not made."""
    if not path:
        return None
    full = os.path.abspath(path)
    folder = os.path.dirname(full)
    if os.path.isdir(full):
        return f"{flag} {path} is a folder; give a file name"
    if not os.path.isdir(folder):
        return f"{flag} {path}: the folder {folder} does not exist (create it first; the batch makes no folders)"
    return None


def write_report(path: str, report: BatchReport) -> None:
    """The JSON report, all or nothing: a temp file beside it, then renamed. OSError names the path."""
    full = os.path.abspath(path)
    fd, temp = tempfile.mkstemp(prefix=f".{os.path.basename(full)}.", suffix=".tmp", dir=os.path.dirname(full))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(report.to_json(), f, indent=1)
        os.chmod(temp, 0o644)
        os.replace(temp, full)
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
        raise


class Progress:
    """One line per dialogue row on stdout; on a terminal also a bar that redraws under them."""

    def __init__(self, total: int, stream: TextIO | None = None):
        self.total = max(1, total)
        self.done = 0
        self.stream = stream or sys.stdout
        self.bar = bool(getattr(self.stream, "isatty", lambda: False)())
        self.t0 = time.perf_counter()

    def line(self, text: str) -> None:
        if self.bar:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
        self._draw()
        self.stream.flush()

    def step(self, text: str) -> None:
        self.done += 1
        self.line(f"[{self.done:>{len(str(self.total))}}/{self.total}] {text}")

    def _draw(self) -> None:
        if not self.bar or self.done >= self.total:
            return
        width = 30
        filled = int(width * self.done / self.total)
        elapsed = time.perf_counter() - self.t0
        left = f", about {elapsed / self.done * (self.total - self.done):.0f} s left" if self.done else ""
        self.stream.write(f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}"
                          f"  {elapsed:.0f} s{left}")

    def close(self) -> None:
        if self.bar:
            self.stream.write("\r\033[K")
            self.stream.flush()
