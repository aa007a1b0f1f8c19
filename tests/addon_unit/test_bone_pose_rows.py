"""The bone-rig rows of the mapping panel: a row per source with the pose Action that follows it."""

from __future__ import annotations

from unitaf_blender.core.mapping import SOURCE_CHANNELS
from unitaf_blender.core.retarget.bone_poses import POSE_ROW_SOURCES, pose_map, pose_rows


def test_every_offered_source_is_one_the_retargeter_drives():
    assert set(POSE_ROW_SOURCES) <= set(SOURCE_CHANNELS)


def test_rows_show_the_usual_sources_then_other_mapped_ones_with_their_pose():
    mapping = {"MouthOpen": "mouthOpen", "Wide": "jawOpen", "(default jaw)": "mouthOpen", "Gone": "oculus.PP"}
    rows = pose_rows(mapping, ["MouthOpen", "Wide", "Other"])
    assert rows[: len(POSE_ROW_SOURCES)] == [(s, "MouthOpen" if s == "mouthOpen" else "")
                                            for s in POSE_ROW_SOURCES]
    assert rows[len(POSE_ROW_SOURCES):] == [("jawOpen", "Wide")]


def test_the_rows_say_the_map_back_and_empty_rows_drive_nothing():
    rows = [("mouthOpen", "MouthOpen"), ("oculus.PP", ""), ("jawOpen", "Wide")]
    assert pose_map(rows) == {"MouthOpen": "mouthOpen", "Wide": "jawOpen"}
    assert pose_rows(pose_map(rows), ["MouthOpen", "Wide"])[-1] == ("jawOpen", "Wide")
    assert pose_map([("mouthOpen", "")]) == {}
