"""WAV, NPZ and Live Link Face CSV output."""

import csv

import numpy as np
import pytest
import soundfile
from face_timelines import line
from unitaf_backend.channels import ARKIT_CHANNELS, CHANNEL_INDEX, LIVE_LINK_CHANNELS, LIVE_LINK_EXTRA
from unitaf_backend.errors import BadInput
from unitaf_backend.face import export
from unitaf_backend.face.animation import FaceAnimation


def anim(fps=30.0, frames=70, head=False):
    rng = np.random.default_rng(0)
    w = rng.uniform(0, 1, size=(frames, 52)).astype(np.float32)
    h = rng.normal(0, 0.05, size=(frames, 3)).astype(np.float32) if head else None
    return FaceAnimation(fps=fps, weights=w, timeline=line(), head=h)


def test_wav_is_16_bit_pcm_and_round_trips(tmp_path):
    x = np.sin(np.linspace(0, 200, 22050)).astype(np.float32) * 0.5
    x[10] = 3.0                                  # clipped, not wrapped
    path = tmp_path / "speech.wav"
    export.save_wav(x, 22050, path)
    info = soundfile.info(str(path))
    assert (info.samplerate, info.channels, info.subtype) == (22050, 1, "PCM_16")
    y, _sr = soundfile.read(str(path), dtype="float32")
    assert y[10] == pytest.approx(1.0, abs=1e-4)
    assert np.abs(np.delete(y, 10) - np.delete(x, 10)).max() < 1e-4


@pytest.mark.parametrize("bad", [np.zeros((2, 10)), np.array([0.0, np.nan])])
def test_wav_refuses_bad_audio(tmp_path, bad):
    with pytest.raises(BadInput):
        export.save_wav(bad, 22050, tmp_path / "x.wav")
    assert not (tmp_path / "x.wav").exists()


def test_npz_is_written_to_exactly_the_path_and_loads_back(tmp_path):
    a = anim(head=True)
    path = tmp_path / ".animation.npz.tmp"           # an odd name, as an atomic writer would use
    export.save_npz(a, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".animation.npz.tmp"]
    weights, channels, fps = export.load_npz(path)
    assert np.array_equal(weights, a.weights) and weights.dtype == np.float32
    assert channels == ARKIT_CHANNELS and fps == 30.0
    with np.load(path, allow_pickle=False) as data:
        assert set(data.files) == {"weights", "channels", "fps", "head"}


def test_npz_refuses_wrong_shapes_and_load_reports_bad_files(tmp_path):
    with pytest.raises(BadInput):
        export.save_npz(FaceAnimation(fps=30.0, weights=np.zeros((5, 51), np.float32), timeline=None),
                        tmp_path / "a.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(BadInput):
        export.load_npz(tmp_path / "junk.npz")


@pytest.mark.parametrize("fps, frame, expected", [
    (30.0, 0, "00:00:00:00.000"), (30.0, 29, "00:00:00:29.000"), (30.0, 30, "00:00:01:00.000"),
    (60.0, 3661 * 60 + 7, "01:01:01:07.000"), (24.0, 100, "00:00:04:04.000"),
    (29.97, 30, "00:00:01:00.030"),
])
def test_timecodes(fps, frame, expected):
    assert export.timecode(frame, fps) == expected


def test_live_link_csv_columns_rows_and_values(tmp_path):
    a = anim(fps=60.0, frames=130, head=True)
    path = tmp_path / "animation.csv"
    export.save_live_link_csv(a, path)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    assert header[:2] == ["Timecode", "BlendShapeCount"]
    assert header[2:54] == list(LIVE_LINK_CHANNELS) and header[2] == "EyeBlinkLeft"
    assert header[54:] == list(LIVE_LINK_EXTRA) and len(header) == 63
    assert len(rows) == 131
    assert rows[1][0] == "00:00:00:00.000" and rows[61][0] == "00:00:01:00.000"
    assert all(r[1] == "61" and len(r) == 63 for r in rows[1:])
    values = np.array([[float(v) for v in r[2:]] for r in rows[1:]])
    assert np.allclose(values[:, :52], a.weights, atol=1e-6)
    assert np.allclose(values[:, 52:55], a.head, atol=1e-6)


def test_live_link_eye_rotations_follow_the_look_channels():
    w = np.zeros((2, 52), np.float32)
    w[1, CHANNEL_INDEX["eyeLookOutLeft"]] = 1.0       # left eye looks to the character's left
    w[1, CHANNEL_INDEX["eyeLookInRight"]] = 1.0       # and so does the right eye
    w[1, CHANNEL_INDEX["eyeLookUpLeft"]] = 0.5
    eyes = export.eye_rotations(w)
    assert eyes[0].tolist() == [0.0] * 6
    assert eyes[1, 0] == pytest.approx(export.EYE_LOOK_RAD) and eyes[1, 3] == pytest.approx(export.EYE_LOOK_RAD)
    assert eyes[1, 1] == pytest.approx(0.5 * export.EYE_LOOK_RAD)


def test_live_link_csv_without_head_writes_zero_rotations(tmp_path):
    path = tmp_path / "a.csv"
    export.save_live_link_csv(anim(frames=3), path)
    last = path.read_text(encoding="utf-8").splitlines()[-1].split(",")
    assert last[54:57] == ["0.000000"] * 3
