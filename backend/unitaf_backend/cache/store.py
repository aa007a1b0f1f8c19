"""The line cache on disk: one folder per key, written as a set and checked on every read.

    ROOT/ab/abcdef.../entry.json       recipe, version, fps, channels, duration, meta, files' SHA-256
                      speech.wav       the spoken line (text rows only)
                      animation.npz    weights [T, 52] float32, head [T, 3] when asked for
                      timeline.json    the backend's timeline
    ROOT/pipeline.json                 the pipeline version of the latest render into ROOT
    ROOT/.staging/                     entries being written (a crash leaves only this)

An entry is written into ``.staging`` and renamed into place in one step, so a reader never sees half of
one (files are not fsynced: an entry torn by a power loss fails its checksum and is computed again). Two writers of one key (two runs on a shared folder): the first rename wins, the second finds the
entry there and drops its own copy; both then read the same complete entry. A file whose checksum does
not match makes the entry a miss (``LineCache.get``), and the next ``put`` replaces it.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import UnitafError
from .key import LineRecipe

ENTRY_FORMAT = 1
STAGING = ".staging"
VERSION_FILE = "pipeline.json"
_NO_SPACE = {errno.ENOSPC, errno.EDQUOT}
_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}


class CacheError(UnitafError):
    """The cache folder cannot be used (read-only, full, not a folder): one clear line."""


@dataclass(frozen=True)
class CachedLine:
    """A line's result as the cache holds it (the same content as the add-on's FaceResult)."""
    fps: float
    channels: tuple[str, ...]
    weights: np.ndarray             # float32 [T, 52]
    timeline: dict
    duration: float
    audio_wav: bytes | None = None  # 16-bit PCM WAV (text rows)
    head: np.ndarray | None = None  # float32 [T, 3]
    meta: dict = field(default_factory=dict)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _npz_bytes(line: CachedLine) -> bytes:
    arrays = {"weights": np.asarray(line.weights, dtype=np.float32)}
    if line.head is not None:
        arrays["head"] = np.asarray(line.head, dtype=np.float32)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _os_message(err: OSError, root: Path) -> str:
    if err.errno in _NO_SPACE:
        return f"the cache folder {root} is full ({err.strerror}); free space or use another --out"
    if err.errno in _NOT_WRITABLE:
        return f"the cache folder {root} is not writable ({err.strerror}); use another --out"
    return f"cannot write to the cache folder {root}: {err.strerror or err}"


class LineCache:
    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    def path_of(self, key: str) -> Path:
        return self.root / key[:2] / key

    # ------------------------------------------------------------------------------------------ writing

    def prepare(self, version: str) -> None:
        """Make the folder usable for writing and record the pipeline version; CacheError says why not
        before any line is computed."""
        try:
            if self.root.exists() and not self.root.is_dir():
                raise CacheError(f"the cache path {self.root} is a file, not a folder")
            (self.root / STAGING).mkdir(parents=True, exist_ok=True)
            probe = self.root / STAGING / f"probe-{uuid.uuid4().hex}"
            probe.write_bytes(b"x" * 4096)
            probe.unlink()
            self._write_file_atomic(self.root / VERSION_FILE,
                                    json.dumps({"pipeline_version": version}).encode("utf-8"))
        except OSError as err:
            raise CacheError(_os_message(err, self.root)) from None

    def _write_file_atomic(self, path: Path, data: bytes) -> None:
        tmp = self.root / STAGING / f"{path.name}.{uuid.uuid4().hex}"
        try:
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def put(self, key: str, recipe: LineRecipe, version: str, line: CachedLine) -> Path:
        """Store a line's result under key, as one set. CacheError (nothing left behind) when the folder
        is read-only or full."""
        from dataclasses import asdict
        files: dict[str, bytes] = {"animation.npz": _npz_bytes(line),
                                   "timeline.json": json.dumps(line.timeline, sort_keys=True).encode("utf-8")}
        if line.audio_wav is not None:
            files["speech.wav"] = bytes(line.audio_wav)
        entry = {"format": ENTRY_FORMAT, "key": key, "pipeline_version": version, "recipe": asdict(recipe),
                 "fps": float(line.fps), "channels": list(line.channels), "duration": float(line.duration),
                 "meta": line.meta, "files": {name: _sha256(data) for name, data in files.items()}}
        files["entry.json"] = json.dumps(entry, sort_keys=True, default=str).encode("utf-8")   # written last
        final = self.path_of(key)
        staging = self.root / STAGING / f"{key}.{uuid.uuid4().hex}"
        try:
            staging.mkdir(parents=True)
            for name, data in files.items():
                # no fsync: after a power loss a torn file fails its checksum and the line is recomputed
                (staging / name).write_bytes(data)
            final.parent.mkdir(exist_ok=True)
            self._move_into_place(staging, final)
        except OSError as err:
            raise CacheError(_os_message(err, self.root)) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return final

    def _move_into_place(self, staging: Path, final: Path) -> None:
        try:
            os.rename(staging, final)
            return
        except OSError as err:
            if err.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
        if self.get(final.name) is not None:
            return                        # another writer stored this key first: its entry stands
        # what is there is corrupt: set it aside, then take its place (one rename each)
        aside = self.root / STAGING / f"{final.name}.bad.{uuid.uuid4().hex}"
        try:
            os.rename(final, aside)
        except FileNotFoundError:
            pass
        try:
            os.rename(staging, final)
        except OSError as err:
            if err.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
        shutil.rmtree(aside, ignore_errors=True)

    # ------------------------------------------------------------------------------------------ reading

    def get(self, key: str) -> CachedLine | None:
        """The entry under key, or None when it is absent or any of its files fails its checksum."""
        return read_entry(self.path_of(key), key)

    def recorded_version(self) -> str | None:
        try:
            return str(json.loads((self.root / VERSION_FILE).read_text("utf-8"))["pipeline_version"])
        except (OSError, ValueError, KeyError, TypeError):
            return None


def read_entry(folder: Path, key: str) -> CachedLine | None:
    try:
        entry = json.loads((folder / "entry.json").read_bytes())
        if entry.get("format") != ENTRY_FORMAT or entry.get("key") != key:
            return None
        blobs = {}
        for name, digest in entry["files"].items():
            data = (folder / name).read_bytes()
            if _sha256(data) != digest:
                return None
            blobs[name] = data
        with np.load(io.BytesIO(blobs["animation.npz"]), allow_pickle=False) as npz:
            weights = np.array(npz["weights"], dtype=np.float32)
            head = np.array(npz["head"], dtype=np.float32) if "head" in npz.files else None
        return CachedLine(fps=float(entry["fps"]), channels=tuple(entry["channels"]), weights=weights,
                          timeline=json.loads(blobs["timeline.json"]), duration=float(entry["duration"]),
                          audio_wav=blobs.get("speech.wav"), head=head, meta=dict(entry.get("meta") or {}))
    except (OSError, ValueError, KeyError, TypeError):
        return None
