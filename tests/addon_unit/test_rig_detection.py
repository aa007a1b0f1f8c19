"""Which convention a rig's key names follow, the mapping made for it, and what it lacks (pure)."""

from __future__ import annotations

import pytest

from unitaf_blender.core.channels import ARKIT_CHANNELS
from unitaf_blender.core.mapping import auto_map, detect_convention
from unitaf_blender.core.retarget import SET_BY_NAME

OCULUS = [f"viseme_{v}" for v in SET_BY_NAME["oculus"].signatures]
VRM0 = ["Fcl_MTH_A", "Fcl_MTH_I", "Fcl_MTH_U", "Fcl_MTH_E", "Fcl_MTH_O", "Fcl_EYE_Close", "Fcl_EYE_Close_L",
        "Fcl_EYE_Close_R", "Fcl_ALL_Joy", "Fcl_ALL_Angry", "Fcl_ALL_Sorrow", "Fcl_ALL_Fun", "Fcl_ALL_Surprised"]
VRM1 = ["aa", "ih", "ou", "ee", "oh", "blink", "blinkLeft", "blinkRight", "lookUp", "lookDown", "lookLeft",
        "lookRight", "happy", "angry", "sad", "relaxed", "surprised"]
CC4 = ["V_Open", "V_Explosive", "V_Dental_Lip", "V_Tight_O", "V_Tight", "V_Wide", "V_Affricate", "V_Lip_Open",
       "Eye_Blink_L", "Eye_Blink_R", "Brow_Raise_Inner_L", "Mouth_Smile_L"]
CC3 = list(SET_BY_NAME["cc3"].signatures) + ["Eye_Blink_L", "Eye_Blink_R"]
RHUBARB = ["mouth_A", "mouth_B", "mouth_C", "mouth_D", "mouth_E", "mouth_F", "mouth_G", "mouth_H", "mouth_X"]
PRESTON = ["MBP", "AI", "E", "O", "U", "WQ", "FV", "L", "etc", "rest"]
UNSIDED = ["mouthSmile", "eyeBlink", "MouthOpen", "browDown"]


@pytest.mark.parametrize("names, convention", [
    (list(ARKIT_CHANNELS), "ARKIT"), (list(ARKIT_CHANNELS) + OCULUS, "ARKIT"), (OCULUS, "OCULUS"),
    (VRM0, "VRM0"), (["A", "I", "U", "E", "O", "Blink", "Joy"], "VRM0"), (VRM1, "VRM1"), (CC4, "CC4"),
    (CC3, "CC3"), (RHUBARB, "RHUBARB"), (PRESTON, "PRESTON_BLAIR"), (UNSIDED, "UNSIDED"),
    ([f"vrc.v_{v}" for v in ("sil", "pp", "aa", "oh")], "OCULUS")])
def test_convention_detected_from_key_names(names, convention):
    assert detect_convention(names) == convention
    report = auto_map(names)
    assert report.convention == convention and report.usable


def test_a_viseme_rig_keeps_its_eyes_and_brows_but_not_an_arkit_mouth():
    report = auto_map(CC4)
    assert report.mapping["V_Explosive"] == "cc4.V_Explosive" and report.mapping["Eye_Blink_L"] == "eyeBlinkLeft"
    assert report.mapping["Brow_Raise_Inner_L"] == "browInnerUp"
    assert "Mouth_Smile_L" not in report.mapping and "mouthSmileLeft" not in report.unmatched_channels
    assert "Character Creator 4" in report.summary()


def test_vrm_expressions_are_mapped_and_the_missing_ones_reported():
    report = auto_map(VRM0[:6])
    assert report.mapping["Fcl_EYE_Close"] == "vrm.blink" and report.mapping["Fcl_MTH_A"] == "vrm.aa"
    assert "vrm.happy" in report.missing and "vrm.blinkRight" in report.missing
    assert "the rig lacks" in report.summary() and report.warnings == ()


def test_a_viseme_set_without_its_closed_lips_viseme_warns_and_drives_the_rest():
    names = [n for n in OCULUS if n != "viseme_PP"]
    report = auto_map(names)
    assert report.convention == "OCULUS" and len(report.mapping) == 14
    assert "oculus.PP" in report.missing
    assert len(report.warnings) == 1 and "closed-lips" in report.warnings[0] and "viseme_PP" in report.warnings[0]


def test_unsided_keys_take_their_unsided_sources():
    assert auto_map(UNSIDED).mapping == {"mouthSmile": "mouthSmile", "eyeBlink": "eyeBlink",
                                         "MouthOpen": "mouthOpen", "browDown": "browDown"}
    # beside a sided pair the unsided key is left alone (the pair carries it)
    assert "eyeBlink" not in auto_map(["jawOpen", "eyeBlinkLeft", "eyeBlinkRight", "eyeBlink"]).mapping


def test_the_convention_can_be_forced():
    both = list(ARKIT_CHANNELS) + OCULUS
    forced = auto_map(both, "OCULUS")
    assert forced.convention == "OCULUS" and forced.mapping["viseme_PP"] == "oculus.PP"
    assert "jawOpen" not in forced.mapping and forced.mapping["eyeBlinkLeft"] == "eyeBlinkLeft"
    with pytest.raises(ValueError, match="unknown rig convention"):
        auto_map(both, "NOPE")
