"""Any rig in real Blender (bpy 5.0 in .venv; bpy 4.2 in .venv-bpy42): a line spoken by the real backend
(`unitaf speak`, once per module) onto meshes built here with each convention's exact key names.

Checks per convention: the closed-lips target >= 0.9 at every bilabial midpoint, the open target(s) > 0.3
at open vowels (where the spoken ARKit lips are apart), every value in [0, 1], no frame-to-frame step
larger than the ARKit input's, VRM blink with the line's blinks and the VRM emotion presets following the
line's emotion; the line is placed like an ARKit line (its own NLA track, never the active Action).
"""

from __future__ import annotations

import io
import json
import subprocess
import wave
from pathlib import Path

import bpy
import numpy as np
import pytest
from addon_helpers import mesh_with_keys, run_generate

from unitaf_blender.blender import backend_factory
from unitaf_blender.blender.lines import lines_of
from unitaf_blender.core.backend_api import FaceResult

pytestmark = [pytest.mark.bpy, pytest.mark.usefixtures("addon")]

REPO = Path(__file__).resolve().parents[2]
UNITAF = REPO / ".venv" / "bin" / "unitaf"
LINE = "Bob made a happy map, but Pam sat by a big bump."
EMOTION = "happy:0.8"
FPS = 24
BILABIALS = {"p", "b", "m"}
OPEN_VOWELS = {"ɑː", "æ", "aɪ", "aʊ", "ɑ", "a"}

OCULUS = ["viseme_sil", "viseme_PP", "viseme_FF", "viseme_TH", "viseme_DD", "viseme_kk", "viseme_CH",
          "viseme_SS", "viseme_nn", "viseme_RR", "viseme_aa", "viseme_E", "viseme_I", "viseme_O", "viseme_U"]
VRM0 = ["Fcl_MTH_A", "Fcl_MTH_I", "Fcl_MTH_U", "Fcl_MTH_E", "Fcl_MTH_O", "Fcl_EYE_Close", "Fcl_EYE_Close_L",
        "Fcl_EYE_Close_R", "Fcl_ALL_Joy", "Fcl_ALL_Angry", "Fcl_ALL_Sorrow", "Fcl_ALL_Fun", "Fcl_ALL_Surprised"]
VRM1 = ["aa", "ih", "ou", "ee", "oh", "blink", "lookUp", "lookDown", "lookLeft", "lookRight", "happy", "angry",
        "sad", "relaxed", "surprised"]
CC4 = ["V_Open", "V_Explosive", "V_Dental_Lip", "V_Tight_O", "V_Tight", "V_Wide", "V_Affricate", "V_Lip_Open",
       "Eye_Blink_L", "Eye_Blink_R"]
CC3 = ["AE", "Ah", "B_M_P", "Ch_J", "EE", "Er", "F_V", "Ih", "K_G_H_NG", "Oh", "R", "S_Z", "T_L_D_N", "Th",
       "W_OO"]
RHUBARB = ["mouth_X", "mouth_A", "mouth_B", "mouth_C", "mouth_D", "mouth_E", "mouth_F", "mouth_G", "mouth_H"]
PRESTON = ["rest", "MBP", "AI", "E", "O", "U", "WQ", "FV", "L", "etc"]
UNSIDED = ["MouthOpen", "mouthSmile", "eyeBlink", "browInnerUp"]

# convention -> (key names, closed-lips key or None, open keys, blink key or None)
RIGS = {
    "OCULUS": (OCULUS, "viseme_PP", ["viseme_aa", "viseme_E", "viseme_O"], None),
    "VRM0": (VRM0, None, ["Fcl_MTH_A", "Fcl_MTH_O"], "Fcl_EYE_Close"),
    "VRM1": (VRM1, None, ["aa", "oh"], "blink"),
    "CC4": (CC4, "V_Explosive", ["V_Open"], None),
    "CC3": (CC3, "B_M_P", ["Ah", "AE"], None),
    "RHUBARB": (RHUBARB, "mouth_A", ["mouth_C", "mouth_D"], None),
    "PRESTON_BLAIR": (PRESTON, "MBP", ["AI", "O"], None),
    "UNSIDED": (UNSIDED, None, ["MouthOpen"], "eyeBlink"),
}


@pytest.fixture(scope="module")
def spoken(tmp_path_factory) -> FaceResult:
    if not UNITAF.exists():
        pytest.fail(f"{UNITAF} is missing: run ./scripts/setup.sh")
    out = tmp_path_factory.mktemp("speak")
    subprocess.run([str(UNITAF), "speak", LINE, "--emotion", EMOTION, "--fps", str(FPS), "--out", str(out)],
                   check=True, capture_output=True, timeout=300)
    anim = np.load(out / "animation.npz")
    wav = (out / "speech.wav").read_bytes()
    with wave.open(io.BytesIO(wav)) as w:
        duration = w.getnframes() / w.getframerate()
    return FaceResult(fps=float(anim["fps"]), channels=tuple(str(c) for c in anim["channels"]),
                      weights=anim["weights"].astype(np.float32),
                      timeline=json.loads((out / "timeline.json").read_text()), duration=duration,
                      audio_wav=wav, meta={"emotion": EMOTION})


class RecordedBackend:
    """Answers with the line the real backend spoke for this module."""

    def __init__(self, result: FaceResult) -> None:
        self.result = result

    def info(self) -> dict:
        return {"name": "recorded"}

    def speak(self, request, progress=None, cancel=None) -> FaceResult:
        return self.result

    def close(self) -> None:
        pass


def _values(obj, names: list[str], frames: range) -> dict[str, np.ndarray]:
    """Each key's evaluated value at every frame (as Blender plays it)."""
    out = {n: np.zeros(len(frames)) for n in names}
    for i, f in enumerate(frames):
        bpy.context.scene.frame_set(f)
        for n in names:
            out[n][i] = obj.data.shape_keys.key_blocks[n].value
    return out


def _phone_frames(result: FaceResult, symbols: set[str], start: int) -> list[int]:
    return [start + round((p["start"] + p["end"]) / 2 * FPS) for p in result.timeline["phones"]
            if p["symbol"] in symbols]


@pytest.mark.parametrize("convention", list(RIGS))
def test_a_spoken_line_drives_each_convention(blend, spoken, convention):
    names, closed, opened, blink = RIGS[convention]
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = FPS, 1.0
    obj = mesh_with_keys(f"Rig_{convention}", names)
    backend_factory.set_test_backend(RecordedBackend(spoken))
    assert run_generate(text=LINE, emotion="happy", intensity=0.8, start_frame=10) == {"FINISHED"}
    assert "driven as" in scene.unitaf.last_result or convention == "UNSIDED"

    # placed like an ARKit line: one NLA track with one strip, never the active Action
    anim = obj.data.shape_keys.animation_data
    assert anim.action is None and len(lines_of(obj)) == 1
    assert len(anim.nla_tracks) == 1 and len(anim.nla_tracks[0].strips) == 1

    n = spoken.weights.shape[0]
    frames = range(10, 10 + n)
    got = _values(obj, names, frames)
    assert all(0.0 <= v.min() and v.max() <= 1.0 for v in got.values())
    input_step = float(np.abs(np.diff(spoken.weights, axis=0)).max())
    assert max(float(np.abs(np.diff(v)).max()) for v in got.values()) <= input_step + 1e-4

    apart = spoken.weights[:, spoken.channels.index("jawOpen")] - spoken.weights[:, spoken.channels.index("mouthClose")]
    bilabial = [f - 10 for f in _phone_frames(spoken, BILABIALS, 10) if f - 10 < n]
    open_vowels = [f - 10 for f in _phone_frames(spoken, OPEN_VOWELS, 10) if f - 10 < n and apart[f - 10] > 0.25]
    assert len(bilabial) >= 8 and len(open_vowels) >= 4
    if closed is not None:
        assert min(got[closed][i] for i in bilabial) >= 0.9
    else:      # VRM and unsided rigs close the mouth by resting their open keys
        together = [i for i in bilabial if apart[i] < 0.05]
        assert max(sum(got[k][i] for k in opened) for i in together) <= 0.15
    assert min(sum(got[k][i] for k in opened) for i in open_vowels) > 0.3

    if blink is not None:
        eyes = np.maximum(spoken.weights[:, spoken.channels.index("eyeBlinkLeft")],
                          spoken.weights[:, spoken.channels.index("eyeBlinkRight")])
        assert eyes.max() > 0.8
        assert got[blink][eyes > 0.5].min() > 0.5 and got[blink][eyes < 0.05].max() < 0.1
    if convention.startswith("VRM"):
        joy, sad = ("Fcl_ALL_Joy", "Fcl_ALL_Sorrow") if convention == "VRM0" else ("happy", "sad")
        body = slice(5, n - 5)        # inside the line, away from its ramps
        assert np.allclose(got[joy][body], 0.8, atol=1e-3) and got[sad].max() == 0.0


def test_a_rig_without_its_closed_lips_viseme_warns_and_drives_the_rest(blend, spoken):
    names = [n for n in OCULUS if n != "viseme_PP"]
    obj = mesh_with_keys("NoPP", names)
    backend_factory.set_test_backend(RecordedBackend(spoken))
    assert run_generate(text=LINE, start_frame=1) == {"FINISHED"}
    s = bpy.context.scene.unitaf
    assert "closed-lips viseme" in s.last_result and "viseme_PP" in s.last_result
    from unitaf_blender.blender.writer import fcurves_of
    assert len(fcurves_of(lines_of(obj)[0].action)) == 14


def test_forced_convention_saved_on_the_object_is_used(blend, spoken):
    from unitaf_blender.core.channels import ARKIT_CHANNELS
    obj = mesh_with_keys("Both", list(ARKIT_CHANNELS[:20]) + OCULUS)
    obj["unitaf_rig_convention"] = "OCULUS"
    backend_factory.set_test_backend(RecordedBackend(spoken))
    assert run_generate(text=LINE, start_frame=1) == {"FINISHED"}
    from unitaf_blender.blender.writer import fcurves_of
    driven = {f.data_path.split('"')[1] for f in fcurves_of(lines_of(obj)[0].action)}
    assert "viseme_PP" in driven and "jawOpen" not in driven and "eyeBlinkLeft" in driven
