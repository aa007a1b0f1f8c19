"""Writing a FaceAnimation to an output folder: speech.wav, timeline.json, animation.npz, animation.csv.

Files are written to a temporary name and renamed, so a failure (a full disk) never leaves half a file,
and nothing outside the folder is touched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import UnitafError
from .face import export
from .face.animation import FaceAnimation


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes files private; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_outputs(anim: FaceAnimation, out_dir: str | Path, include_audio: bool = True) -> list[Path]:
    """Write every output of a line into out_dir; return the paths written."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        jobs: list[tuple[str, Callable[[Path], None]]] = []
        if include_audio and anim.audio is not None:
            jobs.append(("speech.wav", lambda p: export.save_wav(anim.audio, anim.sample_rate, p)))
        if anim.timeline is not None:
            timeline = anim.timeline
            jobs.append(("timeline.json", lambda p: timeline.save(p)))
        jobs.append(("animation.npz", lambda p: export.save_npz(anim, p)))
        jobs.append(("animation.csv", lambda p: export.save_live_link_csv(anim, p)))
        for name, write in jobs:
            _atomic_write(out / name, write)
            written.append(out / name)
        return written
    except OSError as err:
        raise UnitafError(f"cannot write to {out}: {err.strerror or err}") from None


def write_output_folder(anim: FaceAnimation, folder: str | Path, include_audio: bool = True) -> list[Path]:
    """Write a line's outputs as one set: into a hidden sibling folder first, then renamed into place,
    replacing an existing folder of that name only once the new set is complete."""
    dest = Path(folder)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    except OSError as err:
        raise UnitafError(f"cannot write to {dest.parent}: {err.strerror or err}") from None
    old = dest.with_name(f".{dest.name}.old-{staging.name.rsplit('.', 1)[-1]}")
    try:
        os.chmod(staging, 0o755)
        names = [p.name for p in write_outputs(anim, staging, include_audio=include_audio)]
        if dest.exists():
            os.replace(dest, old)
        os.replace(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if old.exists() and not dest.exists():
            os.replace(old, dest)        # put the previous set back
        raise
    shutil.rmtree(old, ignore_errors=True)
    return [dest / n for n in names]
