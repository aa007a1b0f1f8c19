"""The compact binary form of a result (format version 1, described in docs/api.md "Binary payload").

    bytes 0..3   magic b"UTAF"
    bytes 4..5   format version, uint16 little-endian (1)
    bytes 6..7   flags, uint16 little-endian (0; readers ignore bits they do not know)
    bytes 8..11  header length H, uint32 little-endian
    then         H bytes of UTF-8 JSON (the header), then zero padding to a multiple of 8
    then         the data section: each array's raw bytes, C order, at its own offset (a multiple of 8)

The header holds the small things as JSON and an `arrays` table {name: {dtype, shape, offset, nbytes}}
with offsets relative to the start of the data section. dtypes are numpy strings: "<f4" or "|u1".
The add-on has its own reader (unitaf_blender/core/wire.py); both are tested against each other.
"""

from __future__ import annotations

import json
import struct
from typing import TYPE_CHECKING

import numpy as np

from .audio_io import wav_bytes

if TYPE_CHECKING:                      # the service starts without loading the pipeline's stages
    from ..face.animation import FaceAnimation

MAGIC = b"UTAF"
FORMAT_VERSION = 1
MEDIA_TYPE = "application/x-unitaf-face"
_PREFIX = struct.Struct("<4sHHI")
_ALIGN = 8
_DTYPES = ("<f4", "|u1")


def _pad(n: int) -> int:
    return (-n) % _ALIGN


def _json_default(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def encode(header: dict, arrays: dict[str, np.ndarray]) -> bytes:
    """Pack a JSON header and named arrays (float32 or uint8) into one buffer."""
    table: dict[str, dict] = {}
    chunks: list[bytes] = []
    offset = 0
    for name, array in arrays.items():
        a = np.ascontiguousarray(array)
        dtype = a.dtype.newbyteorder("<").str if a.dtype.kind == "f" else a.dtype.str
        if dtype not in _DTYPES:
            raise ValueError(f"array {name!r} has dtype {a.dtype}; only float32 and uint8 travel")
        raw = a.astype(dtype, copy=False).tobytes()
        table[name] = {"dtype": dtype, "shape": list(a.shape), "offset": offset, "nbytes": len(raw)}
        chunks += [raw, b"\0" * _pad(len(raw))]
        offset += len(raw) + _pad(len(raw))
    head = json.dumps({**header, "arrays": table}, default=_json_default, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    prefix = _PREFIX.pack(MAGIC, FORMAT_VERSION, 0, len(head))
    return b"".join([prefix, head, b"\0" * _pad(len(prefix) + len(head)), *chunks])


def decode(buf: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """The inverse of encode (used by tests and other Python callers of the backend)."""
    if len(buf) < _PREFIX.size:
        raise ValueError("payload too short")
    magic, version, _flags, head_len = _PREFIX.unpack_from(buf)
    if magic != MAGIC or version != FORMAT_VERSION:
        raise ValueError("not a UniTAF payload of format version 1")
    head_end = _PREFIX.size + head_len
    if head_end > len(buf):
        raise ValueError("payload header is truncated")
    header = json.loads(buf[_PREFIX.size:head_end].decode("utf-8"))
    data_start = head_end + _pad(head_end)
    arrays = {}
    for name, spec in header.pop("arrays").items():
        start = data_start + int(spec["offset"])
        if spec["dtype"] not in _DTYPES or start + int(spec["nbytes"]) > len(buf):
            raise ValueError(f"array {name!r} is malformed")
        count = int(np.prod(spec["shape"], dtype=np.int64))
        arrays[name] = np.frombuffer(buf, dtype=spec["dtype"], count=count, offset=start).reshape(spec["shape"])
    return header, arrays


def face_payload(anim: FaceAnimation, include_audio: bool = True) -> bytes:
    """A FaceAnimation as the binary payload the /v1 API returns (the recording path sends no audio back)."""
    weights = np.asarray(anim.weights, dtype=np.float32)
    duration = anim.duration
    header = {
        "kind": "face",
        "fps": float(anim.fps),
        "channels": list(anim.channels),
        "n_frames": int(weights.shape[0]),
        "duration": float(duration),
        "sample_rate": int(anim.sample_rate),
        "timeline": anim.timeline.to_dict() if anim.timeline is not None else None,
        "meta": dict(anim.meta),
    }
    arrays: dict[str, np.ndarray] = {"weights": weights}
    if anim.head is not None:
        arrays["head"] = np.asarray(anim.head, dtype=np.float32)
    if include_audio and anim.audio is not None and anim.sample_rate:
        arrays["audio_wav"] = np.frombuffer(wav_bytes(anim.audio, anim.sample_rate), dtype=np.uint8)
    return encode(header, arrays)


def idle_payload(weights: np.ndarray, fps: float) -> bytes:
    """An idle clip (face/idle.py) as the binary payload: kind `idle`, array `weights` [T, 52]."""
    from ..channels import ARKIT_CHANNELS
    w = np.asarray(weights, dtype=np.float32)
    header = {"kind": "idle", "fps": float(fps), "channels": list(ARKIT_CHANNELS), "n_frames": int(w.shape[0])}
    return encode(header, {"weights": w})
