"""Writing a FaceAnimation to an output folder: speech.wav, timeline.json, animation.npz, animation.csv.

Files are written to temporary names in the same folder and renamed only once all of them are complete, so
a failure (a full disk) never leaves half a file nor a mix of old and new files, and nothing outside the
folder is touched.
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


def _staged(path: Path, write: Callable[[Path], None]) -> Path:
    """Write one file under a temporary name beside `path` (same folder, so the rename cannot fail for
    space); the temp file is removed on any failure."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes files private; outputs are ordinary files
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_outputs(anim: FaceAnimation, out_dir: str | Path, include_audio: bool = True) -> list[Path]:
    """Write every output of a line into out_dir as one set; return the paths written.

    Every file is written under a temporary name first and only then are they all renamed into place, so a
    failure (a full disk) leaves the folder's previous files exactly as they were, never a mix of old and
    new; the error names the file that could not be written and says what was kept.
    """
    out = Path(out_dir)
    jobs: list[tuple[str, Callable[[Path], None]]] = []
    if include_audio and anim.audio is not None:
        jobs.append(("speech.wav", lambda p: export.save_wav(anim.audio, anim.sample_rate, p)))
    if anim.timeline is not None:
        timeline = anim.timeline
        jobs.append(("timeline.json", lambda p: timeline.save(p)))
    jobs.append(("animation.npz", lambda p: export.save_npz(anim, p)))
    jobs.append(("animation.csv", lambda p: export.save_live_link_csv(anim, p)))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UnitafError(f"cannot create the output folder {out}: {err.strerror or err}") from None
    staged: list[tuple[Path, Path]] = []
    try:
        for name, write in jobs:
            target = out / name
            try:
                staged.append((_staged(target, write), target))
            except OSError as err:
                raise UnitafError(f"cannot write {target}: {err.strerror or err}; nothing in {out} was "
                                  "changed (its previous files are kept)") from None
        for tmp, target in staged:
            os.replace(tmp, target)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
    return [target for _, target in staged]


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
        try:
            names = [p.name for p in write_outputs(anim, staging, include_audio=include_audio)]
        except UnitafError as err:
            reason = str(err).split(": ", 1)[-1].split(";", 1)[0]
            raise UnitafError(f"cannot write {dest}: {reason}; "
                              + (f"{dest} is kept as it was" if dest.exists() else "nothing was written")) from None
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
