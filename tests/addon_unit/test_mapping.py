"""Shape-key mapping across naming conventions, viseme values and presets (pure: no Blender)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from unitaf_blender.core.channels import ARKIT_CHANNELS, CHANNEL_INDEX
from unitaf_blender.core.mapping import (
    CHARACTER_CREATOR,
    MappingError,
    auto_map,
    check_mapping,
    load_preset,
    match_channel,
    preset_convention,
    preset_from_json,
    preset_to_json,
    save_preset,
    source_values,
    target_curves,
)


def test_exact_arkit_names_map_one_to_one():
    report = auto_map(["Basis_ignored_by_caller", *ARKIT_CHANNELS])
    assert report.mapping == {c: c for c in ARKIT_CHANNELS}
    assert set(report.how.values()) == {"exact"}
    assert report.unmatched_channels == ()
    assert report.unused_targets == ("Basis_ignored_by_caller",)


@pytest.mark.parametrize("name, channel", [
    ("EyeBlinkLeft", "eyeBlinkLeft"),            # Live Link capitalisation
    ("eye_blink_left", "eyeBlinkLeft"),          # snake case
    ("eyeBlink_L", "eyeBlinkLeft"),              # _L suffix
    ("EyeBlink.R", "eyeBlinkRight"),             # .R suffix
    ("Left_eyeBlink", "eyeBlinkLeft"),           # side first
    ("JAW-OPEN", "jawOpen"),
    ("mouth smile right", "mouthSmileRight"),
    ("mouthLeft", "mouthLeft"),
    ("Mouth_L", "mouthLeft"),
    ("cheek_puff", "cheekPuff"),
    ("tongue_out", "tongueOut"),
])
def test_case_separator_and_side_variants(name, channel):
    assert match_channel(name)[0] == channel


@pytest.mark.parametrize("name, channel", [
    ("Mouth_Smile_L", "mouthSmileLeft"), ("Eye_L_Look_Down", "eyeLookDownLeft"),
    ("Eye_L_Look_R", "eyeLookInLeft"), ("Eye_R_Look_R", "eyeLookOutRight"), ("Eye_R_Look_L", "eyeLookInRight"),
    ("Brow_Raise_Inner_L", "browInnerUp"), ("Brow_Drop_R", "browDownRight"), ("Cheek_Raise_L", "cheekSquintLeft"),
    ("Mouth_Roll_In_Upper", "mouthRollUpper"), ("Mouth_Down_Lower_R", "mouthLowerDownRight"),
    ("Mouth_Up_Upper_L", "mouthUpperUpLeft"), ("Mouth_Funnel_Down_R", "mouthFunnel"), ("Jaw_Forward", "jawForward"),
])
def test_character_creator_names(name, channel):
    assert match_channel(name)[0] == channel


def test_character_creator_table_covers_all_52_channels():
    assert set(CHARACTER_CREATOR) == set(ARKIT_CHANNELS)
    names = [n for names in CHARACTER_CREATOR.values() for n in names]
    report = auto_map(names)
    assert report.unmatched_channels == ()
    assert report.mapping["Cheek_Puff_L"] == report.mapping["Cheek_Puff_R"] == "cheekPuff"


@pytest.mark.parametrize("name", ["blendShape1.jawOpen", "ARKit_jawOpen", "CC_Base_Body.Jaw_Open", "face_JawOpen"])
def test_prefixed_names(name):
    assert match_channel(name) == ("jawOpen", "prefixed")


@pytest.mark.parametrize("names, source", [(["A", "I", "U", "E", "O"], "vrm.aa"),
                                           (["vrc.v_aa", "vrc.v_oh", "vrc.v_pp"], "oculus.aa"),
                                           (["Fcl_MTH_A", "Fcl_MTH_E"], "vrm.aa"), (["aa", "ou"], "vrm.aa")])
def test_vrm_and_vrchat_visemes(names, source):
    assert source in auto_map(names).mapping.values()


@pytest.mark.parametrize("name", ["Basis", "Smile", "Key 1", "Eye_L_Look_R_L", "L", "Fcl_EYE_Close", "A"])
def test_unrelated_names_do_not_match(name):
    assert match_channel(name) is None


def test_visemes_only_when_there_is_no_jaw():
    assert set(auto_map(["A", "I", "U", "E", "O"]).mapping.values()) == {"vrm.aa", "vrm.ih", "vrm.ou", "vrm.ee",
                                                                        "vrm.oh"}
    assert auto_map(["A", "jawOpen", "O"]).mapping == {"jawOpen": "jawOpen"}


def test_more_trusted_convention_wins_for_the_same_channel():
    assert auto_map(["jawOpen", "Jaw_Open", "blendShape1.jawOpen"]).mapping == {"jawOpen": "jawOpen"}
    assert auto_map(["Jaw_Open", "blendShape1.jawOpen"]).mapping == {"Jaw_Open": "jawOpen"}


def test_no_match_is_not_usable():
    report = auto_map(["Foo", "Bar"])
    assert not report.usable and len(report.unmatched_channels) == 52
    assert "0 shape keys driven" in report.summary()


def test_check_mapping_keeps_existing_keys_and_rejects_bad_ones():
    assert check_mapping({"Jaw": "jawOpen", "Gone": "mouthClose"}, ["Jaw", "Other"]) == {"Jaw": "jawOpen"}
    with pytest.raises(MappingError, match="not an ARKit channel"):
        check_mapping({"Jaw": "jawOpenn"}, ["Jaw"])
    with pytest.raises(MappingError, match="none of the mapped shape keys"):
        check_mapping({"Gone": "jawOpen"}, ["Jaw"])
    with pytest.raises(MappingError):
        check_mapping({}, ["Jaw"])


def _weights(**values: float) -> np.ndarray:
    w = np.zeros((1, 52), dtype=np.float32)
    for name, v in values.items():
        w[0, CHANNEL_INDEX[name]] = v
    return w


def test_target_curves_are_columns_in_range():
    rng = np.random.default_rng(1)
    w = rng.uniform(-0.2, 1.2, size=(30, 52)).astype(np.float32)
    curves = target_curves(w, ARKIT_CHANNELS, {"Jaw": "jawOpen", "A": "vrm.aa"})
    assert list(curves) == ["Jaw", "A"]
    np.testing.assert_allclose(curves["Jaw"], np.clip(w[:, CHANNEL_INDEX["jawOpen"]], 0, 1))
    assert all(c.min() >= 0 and c.max() <= 1 and c.dtype == np.float32 for c in curves.values())
    with pytest.raises(MappingError):
        source_values(w, ARKIT_CHANNELS, "nonsense")


def test_preset_round_trip_and_never_overwrites(tmp_path):
    mapping = {"Jaw_Open": "jawOpen", "A": "vrm.aa", "V_Open": "cc4.V_Open"}
    path = tmp_path / "presets" / "cc.json"
    save_preset(str(path), mapping, "CC4")
    assert load_preset(str(path)) == mapping
    assert preset_convention(path.read_text()) == "CC4"
    # a preset of an earlier version: its vowel sources are read as the VRM set's
    assert preset_from_json(preset_to_json({"A": "viseme_aa"})) == {"A": "vrm.aa"}
    with pytest.raises(FileExistsError):
        save_preset(str(path), {"x": "jawOpen"})
    assert load_preset(str(path)) == mapping


@pytest.mark.parametrize("text, message", [
    ("{not json", "not valid JSON"),
    (json.dumps({"mapping": {}}), "not a UniTAF"),
    (json.dumps({"format": "unitaf-shape-key-mapping", "version": 9, "mapping": {}}), "version 9"),
    (json.dumps({"format": "unitaf-shape-key-mapping", "version": 1, "mapping": {"a": 1}}), "shape-key names"),
    (json.dumps({"format": "unitaf-shape-key-mapping", "version": 1, "mapping": {"a": "jaw"}}), "unknown channels"),
])
def test_bad_presets_are_refused_clearly(text, message):
    with pytest.raises(MappingError, match=message):
        preset_from_json(text)


def test_missing_preset_file(tmp_path):
    with pytest.raises(MappingError, match="cannot read"):
        load_preset(str(tmp_path / "nope.json"))
    assert json.loads(preset_to_json({"a": "jawOpen"}))["version"] == 1
