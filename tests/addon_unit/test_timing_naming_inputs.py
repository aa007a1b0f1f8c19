"""Frame timing, names and the checks on what the user typed (pure: no Blender)."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from unitaf_blender.core import line_inputs, naming, timing


def test_scene_fps_uses_fps_base():
    assert timing.scene_fps(30, 1.001) == pytest.approx(29.97002997)
    assert timing.scene_fps(24) == 24.0
    with pytest.raises(ValueError):
        timing.scene_fps(0, 1.0)


@pytest.mark.parametrize("duration, fps, frames", [(2.0, 24, 49), (1.0, 30 / 1.001, 30), (0.01, 24, 1)])
def test_frame_count_covers_both_ends(duration, fps, frames):
    assert timing.frame_count(duration, fps) == frames
    assert abs(timing.frame_count(duration, fps) - duration * fps) <= 1.0 + 1e-9 or duration * fps < 1


def test_end_frame_is_the_last_frame_of_the_audio():
    assert timing.end_frame(10, 2.0, 24) == 10 + 47
    assert timing.end_frame(1, 2.0, 30 / 1.001) == 1 + 59          # 59.94 frames -> 60 frames: 1..60


def test_resample_same_rate_is_identity_and_clips():
    w = np.array([[0.0, 1.5], [0.5, -0.1], [1.0, 0.2]], dtype=np.float32)
    out = timing.resample(w, 24, 24)
    np.testing.assert_array_equal(out, np.clip(w, 0, 1))


def test_resample_is_linear_interpolation_in_time():
    src_fps, dst_fps = 25.0, 30 / 1.001
    t_src = np.arange(26) / src_fps
    w = np.stack([np.sin(t_src) * 0.5 + 0.5, t_src / t_src[-1]], axis=1).astype(np.float32)
    out = timing.resample(w, src_fps, dst_fps)
    t_dst = np.arange(len(out)) / dst_fps
    assert len(out) == timing.frame_count(1.0, dst_fps)
    for c in range(2):
        np.testing.assert_allclose(out[:, c], np.interp(t_dst, t_src, w[:, c]), atol=1e-6)


def test_resample_pads_with_the_last_value_and_refuses_bad_input():
    w = np.array([[0.1], [0.3]], dtype=np.float32)
    out = timing.resample(w, 10, 10, n_frames=4)
    np.testing.assert_allclose(out[:, 0], [0.1, 0.3, 0.3, 0.3])
    with pytest.raises(ValueError):
        timing.resample(np.zeros((0, 52)), 24, 24)
    with pytest.raises(ValueError):
        timing.resample(w, 0, 24)


def test_key_frames_start_at_the_start_frame():
    np.testing.assert_array_equal(timing.key_frames(7, 3), [7, 8, 9])


def test_action_names_are_unique_and_fit_blender():
    assert naming.action_name("Hello   there,\nhow are you?", set()) == "UniTAF: Hello there, how are you?"
    taken = {"UniTAF: Hi", "UniTAF: Hi.001"}
    assert naming.action_name("Hi", taken) == "UniTAF: Hi.002"
    long = naming.action_name("Ünïcödé " * 30, set())
    assert len(long.encode("utf-8")) <= naming.MAX_ID_NAME_BYTES - 4
    assert naming.action_name("   ", set()) == "UniTAF: line"


def test_file_names_are_portable_and_new(tmp_path):
    assert naming.file_stem("Héllo, wörld! It's 5 o'clock.") == "hello_world_it_s_5_o_clock"
    assert naming.file_stem("!!!") == "line"
    (tmp_path / "hi.wav").write_bytes(b"x")
    (tmp_path / "hi_2.wav").write_bytes(b"x")
    assert naming.unique_file_path(str(tmp_path), "hi") == str(tmp_path / "hi_3.wav")


def test_text_checks():
    assert line_inputs.clean_text("  Hello \n there ") == "Hello there"
    with pytest.raises(line_inputs.InputError, match="empty"):
        line_inputs.clean_text(" \t\n")
    with pytest.raises(line_inputs.InputError, match="split it"):
        line_inputs.clean_text("a" * (line_inputs.MAX_TEXT_CHARS + 1))


def test_a_recording_may_ask_for_the_emotion_heard():
    assert line_inputs.check_emotion(" Auto ", 0.3, heard=True) == ("auto", 1.0)
    with pytest.raises(line_inputs.InputError, match="unknown emotion 'auto'"):
        line_inputs.check_emotion("auto", 1.0)                     # a spoken line needs a preset
    wav = b"RIFF\x00\x00\x00\x00WAVEfmt "
    req = line_inputs.animate_request(wav, "", line_inputs.LineOptions(emotion="auto"))
    assert req.emotion == "auto" and req.head_motion
    with pytest.raises(line_inputs.InputError, match="auto"):
        line_inputs.animate_request(wav, "", line_inputs.LineOptions(emotion="cheerful"))


def test_emotion_and_start_frame_checks():
    assert line_inputs.check_emotion(" Happy ", 0.5) == ("happy", 0.5)
    with pytest.raises(line_inputs.InputError, match="unknown emotion"):
        line_inputs.check_emotion("joyful", 0.5)
    with pytest.raises(line_inputs.InputError, match="between 0 and 1"):
        line_inputs.check_emotion("sad", 1.5)
    assert line_inputs.start_frame(-1, 42) == 42
    assert line_inputs.start_frame(10, 42) == 10


def _wav() -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\0\0" * 160)
    return buf.getvalue()


def test_requests_carry_the_checked_values():
    opts = line_inputs.LineOptions(emotion="SAD", intensity=0.3, voice="", mode="rules", fps=30 / 1.001)
    req = line_inputs.speak_request(" Hi  there ", opts)
    assert (req.text, req.emotion, req.intensity, req.voice, req.mode) == ("Hi there", "sad", 0.3, None, "rules")
    assert req.fps == pytest.approx(29.97, abs=1e-3)
    areq = line_inputs.animate_request(_wav(), "  so it begins ", opts)
    assert areq.transcript == "so it begins" and areq.wav_bytes[:4] == b"RIFF"
    assert line_inputs.animate_request(_wav(), "   ", opts).transcript is None
    with pytest.raises(line_inputs.InputError, match="not a WAV"):
        line_inputs.animate_request(b"ID3 mp3 data", "", opts)
    with pytest.raises(line_inputs.InputError, match="unknown mode"):
        line_inputs.speak_request("Hi", line_inputs.LineOptions(mode="fast"))


@pytest.mark.parametrize("duration, fps", [(2.0, 24), (1.0, 30 / 1.001), (0.01, 24), (0.0, 30), (4.013, 25)])
def test_one_frame_rule_for_keys_strip_end_and_layout(duration, fps):
    from unitaf_blender.core.dialogue import frames_for

    n_audio = timing.audio_frames(duration, fps)
    assert frames_for(duration, fps) == n_audio
    assert timing.end_frame(7, duration, fps) == 7 + n_audio - 1
    # the keys cover the same frames as the audio, plus the frame at the very end when it lands on one
    assert timing.frame_count(duration, fps) in (n_audio, n_audio + 1)
