"""Many inputs in one process: one output folder per input, a progress bar, a summary, and a failed input
never stops the others. Shared by `unitaf animate` (recordings) and `unitaf speak` (lines of a text file)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BadInput, UnitafError

EXIT_SOME_FAILED = 1


def read_text(path: Path) -> str:
    """A UTF-8 text input (transcript, list, lines), or one clear error."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise BadInput(f"cannot read {path}: {err}") from None


@dataclass(frozen=True)
class Item:
    label: str                  # how messages name it (the path as given, or "line 3")
    folder: str                 # its output folder's name under --out
    source: Any                 # what `work` needs: a Path, a line of text
    problem: str | None = None  # known bad before any work (missing file, empty folder)


def unique_folders(names: list[str]) -> list[str]:
    """Folder names in input order, a repeated name getting -2, -3 ... so no two inputs share a folder."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        key = name.lower()
        seen[key] = seen.get(key, 0) + 1
        out.append(name if seen[key] == 1 else f"{name}-{seen[key]}")
    return out


def run_many(items: list[Item], work: Callable[[Item], Any], write: Callable[[Any, Path], None], out: Path,
             force: bool, seconds_of: Callable[[Any], float] | None = None) -> int:
    """Do each item and write its result into out/<folder>; print a line per item and a summary.
    Returns 0 when every item was done, EXIT_SOME_FAILED otherwise (the failed ones are named)."""
    from tqdm import tqdm

    if not items:
        raise BadInput("nothing to do: no inputs")
    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {out} exists and is not a folder")
    failed: list[tuple[str, str]] = []
    done, audio_s, start = 0, 0.0, time.perf_counter()
    bar = tqdm(items, unit="file", file=sys.stderr, disable=None, leave=False)
    for item in bar:
        bar.set_postfix_str(item.label[-40:], refresh=False)
        dest = out / item.folder
        try:
            if item.problem is not None:
                raise BadInput(item.problem)
            if dest.exists() and not force:
                raise BadInput(f"{dest} already exists (nothing was overwritten; --force replaces it)")
            result = work(item)
            write(result, dest)
        except UnitafError as err:
            failed.append((item.label, str(err)))
            tqdm.write(f"FAILED {item.label}: {err}", file=sys.stderr)
            continue
        except Exception as err:  # noqa: BLE001 - one input's unexpected failure must not stop the others
            failed.append((item.label, f"{type(err).__name__}: {err}"))
            tqdm.write(f"FAILED {item.label}: {type(err).__name__}: {err}", file=sys.stderr)
            continue
        done += 1
        audio_s += seconds_of(result) if seconds_of else 0.0
        tqdm.write(f"{item.label} -> {dest}")
    bar.close()
    wall = time.perf_counter() - start
    speed = f", {audio_s:.1f} s of audio in {wall:.1f} s ({audio_s / wall:.1f}x real time)" if audio_s and wall else ""
    print(f"done {done} of {len(items)}{speed}")
    if failed:
        print(f"failed {len(failed)}: " + ", ".join(label for label, _ in failed), file=sys.stderr)
        return EXIT_SOME_FAILED
    return 0
