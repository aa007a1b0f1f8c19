"""A WAV file judged from its header alone, as the backend judges it before decoding: readable RIFF/WAVE,
a sample rate, a length and a decoded size within the backend's limits.

Pure (stdlib only), so the batch's --check can say what the real run would refuse without a backend. The
limits are the backend's defaults (`unitaf_backend.audio.LIMITS`; a unit test checks they agree).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 4000, 384_000
MIN_SECONDS, MAX_SECONDS = 0.05, 600.0
MAX_DECODED_SAMPLES = 600 * 48_000 * 2          # frames x channels: ten minutes of 48 kHz stereo
MAX_BYTES = 128 * 1024 * 1024
_HEADER_BYTES = 1 << 16                         # fmt and data chunks are found in the first 64 KiB


class WavHeaderError(ValueError):
    """The file would be refused: one line saying why."""


@dataclass(frozen=True)
class WavHeader:
    sample_rate: int
    channels: int
    frames: int

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate


def read_wav_header(path: str) -> WavHeader:
    """The header of the WAV at `path`, checked against the limits; WavHeaderError says what is wrong."""
    try:
        with open(path, "rb") as f:
            head = f.read(_HEADER_BYTES)
            f.seek(0, 2)
            size = f.tell()
    except OSError as exc:
        raise WavHeaderError(f"cannot read {path}: {exc.strerror or exc}") from None
    if size > MAX_BYTES:
        raise WavHeaderError(f"{path} is {size / 2**20:.0f} MB; the limit is {MAX_BYTES / 2**20:.0f} MB")
    header = parse_wav_header(head, size, path)
    check_limits(header, path)
    return header


def parse_wav_header(head: bytes, size: int, name: str) -> WavHeader:
    if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
        raise WavHeaderError(f"{name} is not a WAV file (no RIFF/WAVE header)")
    pos, fmt, data_bytes = 12, None, None
    while pos + 8 <= len(head):
        tag, length = head[pos:pos + 4], struct.unpack_from("<I", head, pos + 4)[0]
        if tag == b"fmt " and length >= 16 and pos + 24 <= len(head):
            fmt = struct.unpack_from("<HHIIHH", head, pos + 8)
        elif tag == b"data":
            data_bytes = min(length, size - pos - 8)     # a header that overstates: what the file holds
            break
        pos += 8 + length + (length & 1)
    if fmt is None or data_bytes is None:
        raise WavHeaderError(f"{name} is not a readable WAV file (no {'fmt' if fmt is None else 'data'} chunk)")
    _format, channels, rate, _byte_rate, block_align, _bits = fmt
    if channels < 1 or block_align < 1:
        raise WavHeaderError(f"{name} is not a readable WAV file (its format chunk is corrupt)")
    return WavHeader(sample_rate=rate, channels=channels, frames=max(0, data_bytes) // block_align)


def check_limits(header: WavHeader, name: str) -> None:
    if not MIN_SAMPLE_RATE <= header.sample_rate <= MAX_SAMPLE_RATE:
        raise WavHeaderError(f"{name} has an unsupported sample rate {header.sample_rate} Hz "
                             f"(supported: {MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE} Hz)")
    if header.frames == 0:
        raise WavHeaderError(f"{name} is empty (no samples)")
    if header.seconds < MIN_SECONDS:
        raise WavHeaderError(f"{name} is too short ({header.seconds * 1000:.0f} ms; at least "
                             f"{MIN_SECONDS * 1000:.0f} ms)")
    if header.seconds > MAX_SECONDS:
        raise WavHeaderError(f"{name} is too long ({header.seconds:.1f} s; at most {MAX_SECONDS:g} s)")
    if header.frames * header.channels > MAX_DECODED_SAMPLES:
        raise WavHeaderError(f"{name} decodes to {header.frames * header.channels:,} samples; the limit is "
                             f"{MAX_DECODED_SAMPLES:,} (ten minutes of 48 kHz stereo)")
