"""Writing a FaceAnimation to an output folder: speech.wav, timeline.json, animation.npz, animation.csv.

Files are written to a temporary name and renamed, so a failure (a full disk) never leaves half a file,
and nothing outside the folder is touched.
"""

from __future__ import annotations

import os
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
