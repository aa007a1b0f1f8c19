"""What a re-run does with each row (pure): unchanged rows skipped, changed ones retaken, the rest new."""

import dataclasses

from unitaf_blender.core.dialogue import parse_csv
from unitaf_blender.core.resume import ExistingRow, RowAction, RowSettings, encode_settings, plan_rows

CSV = "id,object,text,emotion\nintro,A,Hello,happy\n,B,How are you,\n,A,Fine thanks,\n"


def existing_from(dialogue):
    return [ExistingRow(row_id=ln.row_id, digest=ln.digest, row=ln.row, object=ln.object, line_id=f"L{ln.row}",
                        start=ln.row * 100, end=ln.row * 100 + 30) for ln in dialogue.lines]


def test_nothing_in_the_scene_means_every_row_is_new():
    d = parse_csv(CSV, "/tmp")
    assert [p.action for p in plan_rows(d.lines, [])] == [RowAction.NEW] * 3


def test_the_same_dialogue_again_changes_nothing():
    d = parse_csv(CSV, "/tmp")
    assert [p.action for p in plan_rows(d.lines, existing_from(d))] == [RowAction.SKIP] * 3


def test_an_edited_row_is_a_retake_of_its_own_line_only():
    before = parse_csv(CSV, "/tmp")
    edited = parse_csv(CSV.replace("Fine thanks", "Great thanks").replace("happy", "sad"), "/tmp")
    plans = plan_rows(edited.lines, existing_from(before))
    assert [p.action for p in plans] == [RowAction.RETAKE, RowAction.SKIP, RowAction.RETAKE]
    assert [p.existing.line_id for p in plans] == ["L1", "L2", "L3"]   # an id, a hash at the same place


def test_a_row_half_written_before_is_new_and_landed_rows_skip():
    d = parse_csv(CSV, "/tmp")
    plans = plan_rows(d.lines, existing_from(d)[:2])
    assert [p.action for p in plans] == [RowAction.SKIP, RowAction.SKIP, RowAction.NEW]


def with_settings(rows, settings):
    return [dataclasses.replace(e, settings=encode_settings(settings)) for e in rows]


def test_a_changed_option_retakes_every_row_it_shapes_and_says_which():
    d = parse_csv(CSV, "/tmp")
    before = RowSettings(mode="auto", fps=24.0, seed=0, markers="none")
    assert [p.action for p in plan_rows(d.lines, with_settings(existing_from(d), before), before)] \
        == [RowAction.SKIP] * 3
    for changed, why in ((dataclasses.replace(before, markers="words"), "--markers none -> words"),
                         (dataclasses.replace(before, mode="tts"), "--mode auto -> tts"),
                         (dataclasses.replace(before, fps=30.0), "--fps 24 -> 30"),
                         (dataclasses.replace(before, seed=7), "--seed 0 -> 7"),
                         (dataclasses.replace(before, head_motion=True, head_bone="head"),
                          "--head-bone - -> head, --head-motion off -> on")):
        plans = plan_rows(d.lines, with_settings(existing_from(d), before), changed)
        assert [p.action for p in plans] == [RowAction.RETAKE] * 3
        assert {p.reason for p in plans} == {"changed " + why}
        assert [p.existing.line_id for p in plans] == ["L1", "L2", "L3"]


def test_a_head_bone_without_head_motion_and_lines_without_recorded_settings_change_nothing():
    d = parse_csv(CSV, "/tmp")
    before = RowSettings()
    plans = plan_rows(d.lines, with_settings(existing_from(d), before), dataclasses.replace(before, head_bone="x"))
    assert [p.action for p in plans] == [RowAction.SKIP] * 3
    plans = plan_rows(d.lines, existing_from(d), dataclasses.replace(before, markers="words"))
    assert [p.action for p in plans] == [RowAction.SKIP] * 3      # written by a version that kept none


def test_an_edited_row_says_the_row_changed():
    before = parse_csv(CSV, "/tmp")
    edited = parse_csv(CSV.replace("Fine thanks", "Great thanks"), "/tmp")
    plans = plan_rows(edited.lines, existing_from(before), RowSettings())
    assert [p.reason for p in plans] == ["", "", "the row changed"]
