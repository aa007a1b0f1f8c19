"""Reading (and, for tests, writing) the backend's compact binary result, format version 1.

The add-on cannot import the backend, so this is an independent implementation of the format in
docs/api.md ("Binary payload"); tests check both sides against each other:

    bytes 0..3   magic b"UTAF"
    bytes 4..5   format version, uint16 little-endian (1)
    bytes 6..7   flags, uint16 little-endian (ignored)
    bytes 8..11  header length H, uint32 little-endian
    then         H bytes of UTF-8 JSON, zero padding to a multiple of 8, then the data section

The header's `arrays` table maps a name to {dtype ("<f4" or "|u1"), shape, offset, nbytes}, offsets
relative to the data section. A face result has `weights` [T, C] float32, optional `head` [T, 3] float32
and optional `audio_wav` (the WAV file's bytes).
"""

from __future__ import annotations

import json
import struct

import numpy as np

from .backend_api import BackendError, FaceResult, IdleResult

MAGIC = b"UTAF"
FORMAT_VERSION = 1
_PREFIX = struct.Struct("<4sHHI")
_ALIGN = 8
_DTYPES: dict[str, np.dtype] = {"<f4": np.dtype("<f4"), "|u1": np.dtype("u1")}
MAX_HEADER_BYTES = 64 * 1024 * 1024


def _pad(n: int) -> int:
    return (-n) % _ALIGN


class PayloadError(BackendError):
    """The bytes are not a valid payload (truncated, wrong version, inconsistent table)."""


def decode_payload(buf: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """bytes -> (header without `arrays`, {name: read-only array view into buf})."""
    if len(buf) < _PREFIX.size:
        raise PayloadError(f"the backend's answer is too short to be a result ({len(buf)} bytes)")
    magic, version, _flags, head_len = _PREFIX.unpack_from(buf)
    if magic != MAGIC:
        raise PayloadError("the backend's answer is not a UniTAF result (bad magic)")
    if version != FORMAT_VERSION:
        raise PayloadError(f"the backend sends result format {version}; this add-on reads format "
                           f"{FORMAT_VERSION}: update the add-on or the backend so they match")
    head_end = _PREFIX.size + head_len
    if head_len > MAX_HEADER_BYTES or head_end > len(buf):
        raise PayloadError("the backend's result is truncated (header)")
    try:
        header = json.loads(bytes(buf[_PREFIX.size:head_end]).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise PayloadError(f"the backend's result header is not valid JSON: {err}") from None
    if not isinstance(header, dict) or not isinstance(header.get("arrays"), dict):
        raise PayloadError("the backend's result header has no array table")
    data_start = head_end + _pad(head_end)
    arrays: dict[str, np.ndarray] = {}
    for name, spec in header.pop("arrays").items():
        arrays[str(name)] = _array(buf, data_start, str(name), spec)
    return header, arrays


def _array(buf: bytes, data_start: int, name: str, spec: object) -> np.ndarray:
    if not isinstance(spec, dict):
        raise PayloadError(f"the backend's result describes array {name!r} badly")
    try:
        dtype = _DTYPES[spec["dtype"]]
        shape = tuple(int(n) for n in spec["shape"])
        offset, nbytes = int(spec["offset"]), int(spec["nbytes"])
    except (KeyError, TypeError, ValueError):
        raise PayloadError(f"the backend's result describes array {name!r} badly") from None
    count = 1
    for n in shape:
        count *= n
    if (min(shape, default=0) < 0 or offset < 0 or nbytes != count * dtype.itemsize
            or data_start + offset + nbytes > len(buf)):
        raise PayloadError(f"the backend's result is truncated or inconsistent (array {name!r})")
    return np.frombuffer(buf, dtype=dtype, count=count, offset=data_start + offset).reshape(shape)


def encode_payload(header: dict, arrays: dict[str, np.ndarray]) -> bytes:
    """The writer side of the same format (the backend has its own; this one serves tests and tools)."""
    table: dict[str, dict] = {}
    chunks: list[bytes] = []
    offset = 0
    for name, array in arrays.items():
        a = np.ascontiguousarray(array)
        dtype = "<f4" if a.dtype.kind == "f" else "|u1"
        raw = a.astype(_DTYPES[dtype], copy=False).tobytes()
        table[name] = {"dtype": dtype, "shape": list(a.shape), "offset": offset, "nbytes": len(raw)}
        chunks += [raw, b"\0" * _pad(len(raw))]
        offset += len(raw) + _pad(len(raw))
    head = json.dumps({**header, "arrays": table}, separators=(",", ":")).encode("utf-8")
    prefix = _PREFIX.pack(MAGIC, FORMAT_VERSION, 0, len(head))
    return b"".join([prefix, head, b"\0" * _pad(len(prefix) + len(head)), *chunks])


def _weights(buf: bytes, kind: str, what: str) -> tuple[dict, dict[str, np.ndarray], tuple[str, ...], np.ndarray]:
    """A payload of `kind`: (header, arrays, channels, weights [T, C] copied), checked."""
    header, arrays = decode_payload(buf)
    if header.get("kind") != kind or "weights" not in arrays:
        raise PayloadError(f"the backend's answer is not {what}")
    channels = tuple(str(c) for c in header.get("channels", ()))
    weights = np.array(arrays["weights"], dtype=np.float32)
    if weights.ndim != 2 or weights.shape[1] != len(channels):
        raise PayloadError(f"the backend's weights have shape {weights.shape} for {len(channels)} channels")
    return header, arrays, channels, weights


def face_result(buf: bytes) -> FaceResult:
    """A payload -> the add-on's FaceResult (arrays copied, so the buffer can go)."""
    header, arrays, channels, weights = _weights(buf, "face", "a face animation")
    head = arrays.get("head")
    if head is not None and head.shape != (weights.shape[0], 3):
        raise PayloadError(f"the result's head motion has shape {head.shape}, expected ({weights.shape[0]}, 3)")
    audio = arrays.get("audio_wav")
    try:
        fps, duration = float(header["fps"]), float(header["duration"])
    except (KeyError, TypeError, ValueError):
        raise PayloadError("the result has no fps or duration") from None
    timeline = header.get("timeline")
    return FaceResult(
        fps=fps, channels=channels, weights=weights,
        timeline=timeline if isinstance(timeline, dict) else {},
        duration=duration,
        audio_wav=audio.tobytes() if audio is not None else None,
        head=np.array(head, dtype=np.float32) if head is not None else None,
        meta=dict(header.get("meta") or {}),
    )


def idle_result(buf: bytes) -> IdleResult:
    """An idle payload (kind `idle`) -> IdleResult."""
    header, _arrays, channels, weights = _weights(buf, "idle", "an idle clip")
    if weights.shape[0] == 0:
        raise PayloadError("the idle clip is empty")
    try:
        fps = float(header["fps"])
    except (KeyError, TypeError, ValueError):
        raise PayloadError("the idle clip has no fps") from None
    return IdleResult(fps=fps, channels=channels, weights=weights)
