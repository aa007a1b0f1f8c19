"""The binary payload, written by the backend and read by the add-on (and the other way round), which
share no code: both follow docs/api.md."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st
from unitaf_backend.channels import ARKIT_CHANNELS
from unitaf_backend.face.animation import FaceAnimation
from unitaf_backend.service import wire as backend_wire
from unitaf_backend.speech.timeline import Phone, Sentence, Timeline, Word

from unitaf_blender.core import wire as addon_wire
from unitaf_blender.core.wire import PayloadError


def animation(frames: int = 31, with_head: bool = True) -> FaceAnimation:
    rng = np.random.default_rng(0)
    timeline = Timeline(
        phones=(Phone("h", 0.0, 0.1, word=0), Phone("i", 0.1, 0.4, stress=1, word=0), Phone("_", 0.4, 1.0)),
        words=(Word("hi", 0.0, 0.4, 0, 2),), sentences=(Sentence("Hi.", 0.0, 1.0),), duration=1.0, engine="test")
    audio = (0.3 * np.sin(np.linspace(0, 200, 16000))).astype(np.float32)
    return FaceAnimation(fps=30.0, weights=rng.random((frames, 52), dtype=np.float32), timeline=timeline,
                         audio=audio, sample_rate=16000,
                         head=rng.standard_normal((frames, 3)).astype(np.float32) if with_head else None,
                         meta={"mode": "rules", "seed": np.int64(3)})


def test_backend_payload_reads_back_in_the_addon():
    anim = animation()
    result = addon_wire.face_result(backend_wire.face_payload(anim))
    assert result.fps == 30.0 and result.channels == ARKIT_CHANNELS
    np.testing.assert_array_equal(result.weights, anim.weights)
    np.testing.assert_array_equal(result.head, anim.head)
    assert result.timeline["phones"][1]["symbol"] == "i" and result.timeline["duration"] == 1.0
    assert result.duration == pytest.approx(1.0) and result.meta == {"mode": "rules", "seed": 3}
    audio, rate = sf.read(io.BytesIO(result.audio_wav), dtype="float32")
    assert rate == 16000 and np.abs(audio - anim.audio).max() < 1e-3


def test_recording_path_sends_no_audio_and_no_head():
    result = addon_wire.face_result(backend_wire.face_payload(animation(with_head=False), include_audio=False))
    assert result.audio_wav is None and result.head is None


def test_payload_is_compact():
    anim = animation(frames=300)
    size = len(backend_wire.face_payload(anim, include_audio=False))
    assert size < anim.weights.nbytes + anim.head.nbytes + 4096


@settings(max_examples=60, deadline=None)
@given(frames=st.integers(0, 40), cols=st.integers(1, 60), extra=st.binary(max_size=50),
       header=st.dictionaries(st.text(max_size=8).filter(lambda k: k != "arrays"),
                              st.one_of(st.integers(-5, 5), st.text(max_size=10), st.none()), max_size=4))
def test_both_writers_and_both_readers_agree(frames, cols, extra, header):
    weights = np.arange(frames * cols, dtype=np.float32).reshape(frames, cols) / 7
    blob = np.frombuffer(extra, dtype=np.uint8)
    for write in (backend_wire.encode, addon_wire.encode_payload):
        buf = write(header, {"weights": weights, "blob": blob})
        for read in (backend_wire.decode, addon_wire.decode_payload):
            head, arrays = read(buf)
            assert head == header
            np.testing.assert_array_equal(arrays["weights"], weights)
            assert arrays["blob"].tobytes() == extra


def test_addon_reader_refuses_broken_payloads():
    good = backend_wire.face_payload(animation())
    head_len = struct.unpack_from("<I", good, 8)[0]
    broken = [
        b"", b"UTAF", b"NOPE" + good[4:],
        good[:4] + struct.pack("<H", 2) + good[6:],            # a future format version
        good[:8] + struct.pack("<I", 10**9) + good[12:],        # header longer than the payload
        good[:12] + b"[" + good[13:],                           # header not JSON
        good[: len(good) - 100],                                # truncated data
    ]
    for buf in broken:
        with pytest.raises(PayloadError):
            addon_wire.face_result(buf)
    # a payload whose array table points past its end
    assert head_len > 0
    with pytest.raises(PayloadError):
        addon_wire.face_result(good[:12 + head_len + 16])


def test_addon_reader_checks_shapes_against_channels():
    buf = addon_wire.encode_payload({"kind": "face", "fps": 30, "duration": 1, "channels": ["a", "b"]},
                                    {"weights": np.zeros((4, 3), np.float32)})
    with pytest.raises(PayloadError, match="channels"):
        addon_wire.face_result(buf)
    buf = addon_wire.encode_payload({"kind": "face", "fps": 30, "duration": 1, "channels": ["a"]},
                                    {"weights": np.zeros((4, 1), np.float32), "head": np.zeros((3, 3), np.float32)})
    with pytest.raises(PayloadError, match="head"):
        addon_wire.face_result(buf)
