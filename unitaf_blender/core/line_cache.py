"""Reading lines from a line cache that `unitaf render-lines` filled, without the backend. No bpy.

A request's key is the SHA-256 of its recipe (the request's fields, the recording by its bytes' SHA-256)
spelled as sorted-key JSON with the pipeline version the cache records; this is the backend's
``unitaf_backend.cache.key.canonical``, and a test checks both give the same key. An entry is used only
when every file matches the checksum its ``entry.json`` lists; anything else is a miss (and is computed).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import numpy as np

from .backend_api import AnimateRequest, FaceResult, SpeakRequest

KEY_FORMAT = 1
ENTRY_FORMAT = 1
VERSION_FILE = "pipeline.json"


def recipe_of(request: SpeakRequest | AnimateRequest) -> dict:
    """The fields that decide a request's result, named as the backend's LineRecipe names them."""
    common = {"emotion": request.emotion, "intensity": float(request.intensity), "fps": float(request.fps),
              "mode": request.mode, "seed": int(request.seed), "head_motion": bool(request.head_motion)}
    if isinstance(request, AnimateRequest):
        return {"kind": "animate", "text": None, "audio_sha256": hashlib.sha256(request.wav_bytes).hexdigest(),
                "transcript": request.transcript or None, "voice": None, **common}
    return {"kind": "speak", "text": request.text, "audio_sha256": None, "transcript": None,
            "voice": request.voice or None, **common}


def line_key(recipe: dict, version: str) -> str:
    fields = dict(recipe, pipeline_version=version, key_format=KEY_FORMAT)
    data = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


class LineCacheReader:
    """Results of a cache folder, looked up by request; ``version`` is the pipeline that filled it."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)
        try:
            self.version: str | None = str(json.loads((self.root / VERSION_FILE).read_text("utf-8"))
                                           ["pipeline_version"])
        except (OSError, ValueError, KeyError, TypeError):
            self.version = None         # not a cache (yet): every line is a miss

    def get(self, request: SpeakRequest | AnimateRequest) -> FaceResult | None:
        if self.version is None:
            return None
        key = line_key(recipe_of(request), self.version)
        return _read(self.root / key[:2] / key, key)


def _read(folder: Path, key: str) -> FaceResult | None:
    try:
        entry = json.loads((folder / "entry.json").read_bytes())
        if entry.get("format") != ENTRY_FORMAT or entry.get("key") != key:
            return None
        blobs = {}
        for name, digest in entry["files"].items():
            data = (folder / name).read_bytes()
            if hashlib.sha256(data).hexdigest() != digest:
                return None
            blobs[name] = data
        with np.load(io.BytesIO(blobs["animation.npz"]), allow_pickle=False) as npz:
            weights = np.array(npz["weights"], dtype=np.float32)
            head = np.array(npz["head"], dtype=np.float32) if "head" in npz.files else None
        return FaceResult(fps=float(entry["fps"]), channels=tuple(entry["channels"]), weights=weights,
                          timeline=json.loads(blobs["timeline.json"]), duration=float(entry["duration"]),
                          audio_wav=blobs.get("speech.wav"), head=head, meta=dict(entry.get("meta") or {}))
    except (OSError, ValueError, KeyError, TypeError):
        return None
